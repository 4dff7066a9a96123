package io.kubebackend.query;

import io.kubebackend.store.Database;
import io.kubebackend.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/** Reads one mirrored object from the database. */
public final class ObjectReader {
  private final Database db;

  public ObjectReader(Database db) {
    this.db = db;
  }

  /** One object's JSON, if mirrored. */
  public Optional<String> get(String cluster, String group, String resource, String namespace, String name) {
    try (Connection c = db.connection();
         PreparedStatement ps = c.prepareStatement("SELECT " + db.dialect().jsonText("object") + " FROM objects"
             + " WHERE cluster = ? AND api_group = ? AND resource = ? AND namespace = ? AND name = ?")) {
      bind(ps, cluster, group, resource, namespace, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw StoreException.of("reading an object", e);
    }
  }

  private static void bind(PreparedStatement ps, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      ps.setObject(i + 1, args[i]);
    }
  }
}
