package io.kubebackend.query;

import java.time.Instant;
import java.util.List;

/**
 * Which mirrored objects a query or an aggregation looks at. Every part is optional; all given parts must hold.
 *
 * @param clusters      cluster ids; empty means every cluster
 * @param group         API group ("" is the core group); null means any group
 * @param resource      plural resource name (pods); null means any resource
 * @param kind          kind (Pod); null means any kind
 * @param namespaces    namespaces ("" selects cluster-scoped objects); empty means any
 * @param labels        a Kubernetes label selector
 * @param fields        conditions on JSON paths of the object
 * @param nameContains  a substring of metadata.name (case-sensitive); null means any name
 * @param ownerUid      only objects with an ownerReference to this uid (direct children)
 * @param descendantsOf only objects owned, directly or through other objects, by this uid
 * @param createdSince  metadata.creationTimestamp at or after; null means no bound
 * @param createdBefore metadata.creationTimestamp strictly before; null means no bound
 */
public record ObjectFilter(List<String> clusters, String group, String resource, String kind,
                           List<String> namespaces, LabelSelector labels, List<FieldCondition> fields,
                           String nameContains, String ownerUid, String descendantsOf, Instant createdSince,
                           Instant createdBefore) {
  public static final ObjectFilter EVERYTHING = new ObjectFilter(List.of(), null, null, null, List.of(),
      LabelSelector.EVERYTHING, List.of(), null, null, null, null, null);

  public ObjectFilter {
    clusters = List.copyOf(clusters);
    namespaces = List.copyOf(namespaces);
    fields = List.copyOf(fields);
    labels = labels == null ? LabelSelector.EVERYTHING : labels;
  }
}
