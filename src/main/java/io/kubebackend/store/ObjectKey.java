package io.kubebackend.store;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/** Identity of one mirrored object; {@code namespace} is "" for cluster-scoped objects. */
public record ObjectKey(String cluster, String group, String resource, String namespace, String name) {

  /** The event key: {@code cluster/group/resource/namespace/name}. */
  public String path() {
    return cluster + "/" + group + "/" + resource + "/" + namespace + "/" + name;
  }

  /** Binds the key to five parameters from {@code from}, in primary-key column order. */
  void bind(PreparedStatement ps, int from) throws SQLException {
    ps.setString(from, cluster);
    ps.setString(from + 1, group);
    ps.setString(from + 2, resource);
    ps.setString(from + 3, namespace);
    ps.setString(from + 4, name);
  }
}
