package io.kubebackend.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One registered cluster as every stage reaches it: its spec, its fabric8 client (made on first use, closed for
 * good when the cluster is removed: a removed cluster never quietly reconnects), and what it serves, from the
 * last discovery. The mirror's periodic discovery refreshes {@link #served()} as a side effect; callers that
 * need a kind the snapshot lacks (a CRD just created) refresh it at most every {@link #MISS_REFRESH_MS}.
 *
 * <p>Thread-safe.
 */
public final class Cluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Cluster.class);
  /** A snapshot older than this is refreshed before use (the mirror normally refreshes it every 30 s). */
  static final long MAX_AGE_MS = 60_000;
  /** A kind missing from the snapshot triggers a refresh at most this often. */
  static final long MISS_REFRESH_MS = 2_000;

  private final ClusterSpec spec;
  private final Clock clock;
  private final Object refreshLock = new Object();
  private KubernetesClient client;
  private boolean closed;
  private volatile ServedKinds served;

  public Cluster(ClusterSpec spec, Clock clock) {
    this.spec = spec;
    this.clock = clock;
  }

  public String id() {
    return spec.id();
  }

  public ClusterSpec spec() {
    return spec;
  }

  /** The fabric8 client, connecting on first use; throws {@link IllegalStateException} once closed. */
  public synchronized KubernetesClient client() {
    if (closed) {
      throw new IllegalStateException("cluster " + spec.id() + " was removed");
    }
    if (client == null) {
      client = ClusterClients.connect(spec);
    }
    return client;
  }

  /** Runs discovery now and keeps its result as {@link #served()}. Throws when the apiserver cannot be read. */
  public Discovery.Result discover() {
    Discovery.Result result = Discovery.discover(client());
    ServedKinds previous = served;
    ServedKinds fresh = ServedKinds.of(result, clock.millis());
    if (previous != null && !result.failedGroups().isEmpty()) {
      // A group that failed this time keeps the kinds it had: an aggregated API being down is not a removal.
      fresh = merge(fresh, previous, result);
    }
    served = fresh;
    return result;
  }

  private static ServedKinds merge(ServedKinds fresh, ServedKinds previous, Discovery.Result result) {
    List<ResourceType> kinds = new ArrayList<>(fresh.kinds());
    for (ResourceType k : previous.kinds()) {
      if (result.failedGroups().contains(k.group())) {
        kinds.add(k);
      }
    }
    return new ServedKinds(kinds, fresh.versions(), fresh.fetchedMs());
  }

  /**
   * What the cluster serves: the last discovery, refreshed first when there is none or it is older than
   * {@link #MAX_AGE_MS}. If that refresh fails the last snapshot is used; with none, the failure is thrown.
   */
  public ServedKinds served() {
    ServedKinds s = served;
    if (s == null || olderThan(s, MAX_AGE_MS)) {
      s = refresh(MAX_AGE_MS);
    }
    return s;
  }

  /** The kind of a group's resource; a miss refreshes discovery (bounded) in case it was just created. */
  public Optional<ResourceType> kind(String group, String resource) {
    Optional<ResourceType> k = served().find(group, resource);
    return k.isPresent() ? k : refresh(MISS_REFRESH_MS).find(group, resource);
  }

  /** The kind of a fullkind; a miss refreshes discovery (bounded) in case it was just created. */
  public Optional<ResourceType> kindOf(String fullKind) {
    Optional<ResourceType> k = served().byFullKind(fullKind);
    return k.isPresent() ? k : refresh(MISS_REFRESH_MS).byFullKind(fullKind);
  }

  /** Whether the group serves the version; a miss refreshes discovery (bounded), as for kinds. */
  public boolean servesVersion(String group, String version) {
    return served().serves(group, version) || refresh(MISS_REFRESH_MS).serves(group, version);
  }

  /** A snapshot from the future (the clock was set back) counts as old too. */
  private boolean olderThan(ServedKinds s, long ms) {
    long age = clock.millis() - s.fetchedMs();
    return age > ms || age < 0;
  }

  private ServedKinds refresh(long ifOlderThanMs) {
    synchronized (refreshLock) {
      ServedKinds old = served;
      if (old != null && !olderThan(old, ifOlderThanMs)) {
        return old; // fresh enough, or another caller just refreshed it
      }
      try {
        discover();
        return served;
      } catch (RuntimeException e) {
        if (old != null) {
          log.warn("cluster {}: discovery failed, using the kinds found before: {}", spec.id(), FailureSummary.of(e));
          return old;
        }
        throw new ClusterUnreachableException(spec.id(), e);
      }
    }
  }

  /** An apiserver answer passed on as it came: status, content type, entity tag and body. */
  public record RawResponse(int code, String contentType, String etag, byte[] body) {}

  /**
   * A GET of the apiserver itself (discovery, OpenAPI documents, version), with the caller's {@code Accept}; the
   * segments are encoded one by one. Throws {@link ClusterUnreachableException} when it cannot be asked.
   */
  public RawResponse get(List<String> segments, Map<String, String> query, String accept) {
    KubernetesClient c = client();
    HttpClient http = c.getHttpClient();
    HttpRequest.Builder request = http.newHttpRequestBuilder()
        .uri(ApiserverUrl.of(c.getMasterUrl().toString(), segments, query)).timeout(30, TimeUnit.SECONDS);
    if (accept != null) {
      request.header("Accept", accept);
    }
    try {
      HttpResponse<byte[]> r = http.sendAsync(request.build(), byte[].class).get(35, TimeUnit.SECONDS);
      return new RawResponse(r.code(), r.header("Content-Type"), r.header("ETag"), r.body() == null ? new byte[0]
          : r.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClusterUnreachableException(spec.id(), e);
    } catch (ExecutionException | TimeoutException e) {
      throw new ClusterUnreachableException(spec.id(), e.getCause() != null ? e.getCause() : e);
    }
  }

  /** Closes the client; the cluster is not used again. */
  @Override
  public synchronized void close() {
    closed = true;
    if (client != null) {
      client.close();
      client = null;
    }
  }
}
