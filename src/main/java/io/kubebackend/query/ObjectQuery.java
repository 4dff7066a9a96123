package io.kubebackend.query;

import java.util.List;

/**
 * A list query: which objects, in which order, which page, and which parts of each object.
 *
 * @param filter    which objects
 * @param sort      sort keys, applied before the tie-break on the primary key (cluster, group, resource,
 *                  namespace, name), which makes every order total
 * @param limit     page size
 * @param after     where the previous page ended (keyset paging); null for the first page
 * @param offset    rows to skip (offset paging, for APIs that number their pages); 0 with keyset paging
 * @param withTotal also count every object the filter matches, in the same snapshot as the page
 * @param fields    JSON paths to return of each object (keys only); empty returns whole objects
 */
public record ObjectQuery(ObjectFilter filter, List<SortKey> sort, int limit, ContinueToken after, long offset,
                          boolean withTotal, List<JsonPath> fields) {
  public ObjectQuery {
    sort = List.copyOf(sort);
    fields = List.copyOf(fields);
    if (offset < 0 || (offset > 0 && after != null)) {
      throw new IllegalArgumentException("a page starts after a continue token or at an offset, not both");
    }
  }

  /** A keyset-paged query. */
  public ObjectQuery(ObjectFilter filter, List<SortKey> sort, int limit, ContinueToken after, boolean withTotal,
                     List<JsonPath> fields) {
    this(filter, sort, limit, after, 0, withTotal, fields);
  }

  /** Page {@code page} (from 1) of {@code limit} objects in key order, with the total: numbered pages. */
  public static ObjectQuery numberedPage(ObjectFilter filter, int page, int limit) {
    return new ObjectQuery(filter, List.of(), limit, null, (long) (page - 1) * limit, true, List.of());
  }
}
