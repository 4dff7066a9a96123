package io.kubebackend.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubebackend.api.kubesys.KubesysResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * The error bodies of answers that no handler wrote: the native shape, or the kubesys shape under
 * {@code /kubesys/}, in JSON, with a message that names the problem and nothing of the server's internals.
 */
final class JsonErrors {
  private static final ObjectMapper JSON = new ObjectMapper();

  private JsonErrors() {}

  static boolean kubesys(String path) {
    return path != null && path.startsWith("/kubesys/");
  }

  /** What a status means, for the caller. */
  static String messageOf(int status) {
    return switch (status) {
      case 400 -> "the request is malformed";
      case 404 -> "no such route";
      case 405 -> "method not allowed";
      case 413 -> "the request body is too large";
      case 414 -> "the request URI is too long";
      case 415 -> "unsupported media type";
      case 431 -> "the request headers are too large";
      default -> status >= 500 ? "internal error, see the server log" : "the request was refused";
    };
  }

  static byte[] body(String path, int status) {
    try {
      Object body = kubesys(path) ? KubesysResponse.error(status, messageOf(status))
          : ApiException.Status.failure(status, ApiException.reasonOf(status), messageOf(status));
      return JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Jetty's answers (a URI it cannot parse, a URI or headers too long, a failure outside Javalin) in JSON instead
   * of its HTML pages.
   */
  static final class JettyErrors extends ErrorHandler {
    @Override
    public void handle(String target, Request baseRequest, HttpServletRequest request,
                       HttpServletResponse response) throws IOException {
      baseRequest.setHandled(true);
      int status = response.getStatus() < 400 ? 500 : response.getStatus();
      response.setContentType("application/json");
      response.getOutputStream().write(body(target, status));
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
      fields.put(HttpHeader.CONTENT_TYPE, "application/json");
      return ByteBuffer.wrap(body(null, status));
    }
  }
}
