package io.kubebackend.query;

import java.util.List;

/**
 * A list query: which objects, in which order, which page, and which parts of each object.
 *
 * @param filter    which objects
 * @param sort      sort keys, applied before the tie-break on the primary key (cluster, group, resource,
 *                  namespace, name), which makes every order total
 * @param limit     page size
 * @param after     where the previous page ended; null for the first page
 * @param withTotal also count every object the filter matches
 * @param fields    JSON paths to return of each object (keys only); empty returns whole objects
 */
public record ObjectQuery(ObjectFilter filter, List<SortKey> sort, int limit, ContinueToken after,
                          boolean withTotal, List<JsonPath> fields) {
  public ObjectQuery {
    sort = List.copyOf(sort);
    fields = List.copyOf(fields);
  }
}
