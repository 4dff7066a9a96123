package io.kubebackend.query;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.kubebackend.store.Database;
import io.kubebackend.store.StoreException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads mirrored objects from the database in Kubernetes' shapes (an object, or a {@code List} of them). */
public final class ObjectReader {
  private static final JsonFactory JSON = new JsonFactory();

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

  /**
   * Writes {@code {"apiVersion":"v1","kind":"<Kind>List","metadata":{},"items":[...]}} with up to {@code limit}
   * objects of one resource, ordered by namespace and name; {@code namespace} null means all namespaces.
   */
  public void list(String cluster, String group, String resource, String namespace, String listKind, int limit,
                   OutputStream out) {
    List<Object> args = new ArrayList<>(List.of(cluster, group, resource));
    String sql = "SELECT " + db.dialect().jsonText("object") + " FROM objects WHERE cluster = ? AND api_group = ?"
        + " AND resource = ?";
    if (namespace != null) {
      sql += " AND namespace = ?";
      args.add(namespace);
    }
    sql += " ORDER BY namespace, name LIMIT ?";
    args.add(limit);
    try (Connection c = db.connection();
         PreparedStatement ps = c.prepareStatement(sql);
         JsonGenerator g = JSON.createGenerator(out)) {
      bind(ps, args.toArray());
      ps.setFetchSize(500);
      g.writeStartObject();
      g.writeStringField("apiVersion", "v1");
      g.writeStringField("kind", listKind);
      g.writeObjectFieldStart("metadata");
      g.writeEndObject();
      g.writeArrayFieldStart("items");
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          g.writeRawValue(rs.getString(1));
        }
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (SQLException e) {
      throw StoreException.of("listing " + resource, e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void bind(PreparedStatement ps, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      ps.setObject(i + 1, args[i]);
    }
  }
}
