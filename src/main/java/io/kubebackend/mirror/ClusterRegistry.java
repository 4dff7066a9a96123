package io.kubebackend.mirror;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.cluster.CredentialCipher;
import io.kubebackend.cluster.UploadedKubeconfig;
import io.kubebackend.store.ClusterStore;
import io.kubebackend.store.StoreException;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which clusters are mirrored: those from the configuration file (fixed while running) and those registered
 * at runtime (stored encrypted, so they come back after a restart). Registering starts a mirror; removing one
 * stops it and deletes its rows.
 */
public final class ClusterRegistry {
  private static final Logger log = LoggerFactory.getLogger(ClusterRegistry.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Why a registration or removal was refused; the API maps it to 400/404/409. */
  public static final class RegistrationException extends RuntimeException {
    public enum Reason { INVALID, CONFLICT, NOT_FOUND }

    private final Reason reason;

    RegistrationException(Reason reason, String message) {
      super(message);
      this.reason = reason;
    }

    public Reason reason() {
      return reason;
    }
  }

  private final RuntimeMirror mirror;
  private final ClusterStore store;
  private final CredentialCipher cipher;
  private final Clock clock;
  private final Set<String> configured = ConcurrentHashMap.newKeySet();

  public ClusterRegistry(RuntimeMirror mirror, ClusterStore store, CredentialCipher cipher, Clock clock) {
    this.mirror = mirror;
    this.store = store;
    this.cipher = cipher;
    this.clock = clock;
  }

  /** Starts the configured clusters and the stored runtime ones. */
  public void start(List<ClusterSpec> fromConfig) {
    for (ClusterSpec spec : fromConfig) {
      configured.add(spec.id());
      mirror.add(spec);
    }
    for (ClusterStore.StoredCluster stored : store.list()) {
      if (configured.contains(stored.id())) {
        log.warn("cluster {} is both configured and stored; the configuration wins", stored.id());
        continue;
      }
      mirror.add(unseal(stored.sealedSpec()));
    }
  }

  /**
   * Follows registrations and removals made on other replicas (several replicas on one database): starts the
   * stored clusters not known here, and forgets those no longer stored.
   */
  public synchronized void refresh() {
    Set<String> stored = new HashSet<>();
    for (ClusterStore.StoredCluster c : store.list()) {
      stored.add(c.id());
      if (!configured.contains(c.id()) && mirror.get(c.id()).isEmpty()) {
        log.info("cluster {} was registered on another replica", c.id());
        mirror.add(unseal(c.sealedSpec()));
      }
    }
    for (ClusterMirror m : List.copyOf(mirror.clusters())) {
      if (!configured.contains(m.clusterId()) && !stored.contains(m.clusterId())) {
        mirror.forget(m.clusterId());
      }
    }
  }

  /** Registers and starts mirroring a cluster; the spec is stored encrypted. */
  public synchronized void register(ClusterSpec spec) {
    try {
      spec.validated();
      if (spec.kubeconfig() != null) {
        throw new IllegalArgumentException("a kubeconfig file path is not accepted over the API; "
            + "send the kubeconfig content (kubeconfigContent)");
      }
      if (spec.kubeconfigContent() != null) {
        UploadedKubeconfig.check(spec.kubeconfigContent());
      }
    } catch (IllegalArgumentException e) {
      throw new RegistrationException(RegistrationException.Reason.INVALID, e.getMessage());
    }
    if (configured.contains(spec.id()) || mirror.get(spec.id()).isPresent()) {
      throw new RegistrationException(RegistrationException.Reason.CONFLICT,
          "cluster " + spec.id() + " is already registered");
    }
    try {
      store.insert(new ClusterStore.StoredCluster(spec.id(), seal(spec), clock.millis()));
    } catch (StoreException e) {
      if (e.kind() == StoreException.Kind.CONFLICT) {
        throw new RegistrationException(RegistrationException.Reason.CONFLICT,
            "cluster " + spec.id() + " is already registered");
      }
      throw e;
    }
    mirror.add(spec);
  }

  /** Stops mirroring a runtime-registered cluster and deletes its rows. */
  public synchronized void remove(String id) throws InterruptedException {
    if (configured.contains(id)) {
      throw new RegistrationException(RegistrationException.Reason.CONFLICT,
          "cluster " + id + " comes from the configuration file; remove it there");
    }
    if (!store.delete(id)) {
      throw new RegistrationException(RegistrationException.Reason.NOT_FOUND, "cluster " + id + " is not registered");
    }
    mirror.remove(id);
  }

  public boolean isConfigured(String id) {
    return configured.contains(id);
  }

  private String seal(ClusterSpec spec) {
    try {
      return cipher.encrypt(JSON.writeValueAsString(spec));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private ClusterSpec unseal(String sealed) {
    try {
      return JSON.readValue(cipher.decrypt(sealed), ClusterSpec.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a stored cluster spec is unreadable", e);
    }
  }
}
