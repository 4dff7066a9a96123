package io.kubebackend.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Clusters registered at runtime. The spec is stored sealed (encrypted); this class never sees plaintext. */
public final class ClusterStore {
  private final Database db;

  public ClusterStore(Database db) {
    this.db = db;
  }

  public record StoredCluster(String id, String sealedSpec, long createdMs) {}

  public List<StoredCluster> list() {
    List<StoredCluster> out = new ArrayList<>();
    try (Connection c = db.connection();
         PreparedStatement ps = c.prepareStatement("SELECT id, spec, created_ms FROM clusters ORDER BY id");
         ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(new StoredCluster(rs.getString(1), rs.getString(2), rs.getLong(3)));
      }
      return out;
    } catch (SQLException e) {
      throw StoreException.of("listing clusters", e);
    }
  }

  /** Throws {@link StoreException} of kind CONFLICT if the id is taken. */
  public void insert(StoredCluster cluster) {
    try (Connection c = db.connection();
         PreparedStatement ps = c.prepareStatement("INSERT INTO clusters (id, spec, created_ms) VALUES (?,?,?)")) {
      ps.setString(1, cluster.id());
      ps.setString(2, cluster.sealedSpec());
      ps.setLong(3, cluster.createdMs());
      ps.executeUpdate();
    } catch (SQLException e) {
      throw StoreException.of("registering cluster " + cluster.id(), e);
    }
  }

  public boolean delete(String id) {
    try (Connection c = db.connection();
         PreparedStatement ps = c.prepareStatement("DELETE FROM clusters WHERE id = ?")) {
      ps.setString(1, id);
      return ps.executeUpdate() > 0;
    } catch (SQLException e) {
      throw StoreException.of("removing cluster " + id, e);
    }
  }
}
