package io.kubebackend.cluster;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.FileNotFoundException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * What went wrong talking to a cluster, in a form fit for logs, the sync status and API callers: the HTTP status
 * and the apiserver's reason, or the kind of connection failure. Never the text of the failure itself: fabric8's
 * messages carry the request URL (which may hold {@code user:password}), the response body of whatever the URL
 * points at, and header values. Credentials inside URLs are removed from anything else shown ({@link #redact}).
 */
public final class FailureSummary {
  /** A Kubernetes {@code Status.reason} is a CamelCase word (NotFound, Expired, Forbidden). */
  private static final Pattern REASON = Pattern.compile("[A-Z][A-Za-z]{1,40}");
  private static final Pattern URL_CREDENTIALS = Pattern.compile("(?i)([a-z][a-z0-9+.-]*://)[^/\\s@]*@");

  private FailureSummary() {}

  public static String of(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String s = summaryOf(t);
      if (s != null) {
        return s;
      }
    }
    return "request failed";
  }

  private static String summaryOf(Throwable t) {
    if (t instanceof KubernetesClientException k && k.getCode() > 0) {
      String reason = k.getStatus() != null ? k.getStatus().getReason() : null;
      return "HTTP " + k.getCode() + (reason != null && REASON.matcher(reason).matches() ? " " + reason : "");
    }
    return switch (t) {
      case ConnectException c -> "connection refused";
      case NoRouteToHostException n -> "no route to host";
      case UnknownHostException u -> "unknown host";
      case SocketTimeoutException s -> "timed out";
      case HttpTimeoutException h -> "timed out";
      case TimeoutException to -> "timed out";
      case SSLException s -> "TLS handshake failed (is the CA right?)";
      case NoSuchFileException n -> "kubeconfig file not found";
      case FileNotFoundException f -> "kubeconfig file not found";
      case UncheckedIOException u when u.getMessage() != null && u.getMessage().contains("kubeconfig") ->
          "cannot read the kubeconfig file";
      default -> null;
    };
  }

  /** The text with credentials removed from every URL in it ({@code https://user:pw@host} -> {@code https://***@host}). */
  public static String redact(String text) {
    return text == null ? null : URL_CREDENTIALS.matcher(text).replaceAll("$1***@");
  }
}
