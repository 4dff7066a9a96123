package io.kubebackend.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** How {@link ClusterOwnership} spreads clusters over replicas: stable, spread, and moving little on a change. */
class RendezvousTest {
  private static List<String> replicas(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add("replica-" + i);
    }
    return out;
  }

  @Property(tries = 50)
  void aJoiningReplicaTakesClustersOnlyForItself(@ForAll @IntRange(min = 1, max = 6) int n,
                                                  @ForAll @IntRange(min = 1, max = 200) int clusters) {
    List<String> before = replicas(n);
    List<String> after = replicas(n + 1);
    for (int c = 0; c < clusters; c++) {
      String id = "cluster-" + c;
      String was = ClusterOwnership.preferred(before, id);
      String now = ClusterOwnership.preferred(after, id);
      assertTrue(before.contains(was));
      assertTrue(now.equals(was) || now.equals(after.getLast()), id + " moved from " + was + " to " + now);
    }
  }

  @Property(tries = 50)
  void theOrderOfTheReplicaListDoesNotMatter(@ForAll @IntRange(min = 1, max = 6) int n,
                                             @ForAll @IntRange(min = 0, max = 1000) int cluster) {
    List<String> list = replicas(n);
    List<String> reversed = new ArrayList<>(list).reversed();
    assertEquals(ClusterOwnership.preferred(list, "c" + cluster), ClusterOwnership.preferred(reversed, "c" + cluster));
  }

  @Property(tries = 10)
  void clustersSpreadOverTheReplicas(@ForAll @IntRange(min = 2, max = 4) int n) {
    Map<String, Integer> owned = new HashMap<>();
    for (int c = 0; c < 400; c++) {
      owned.merge(ClusterOwnership.preferred(replicas(n), "cluster-" + c), 1, Integer::sum);
    }
    assertEquals(n, owned.size(), owned.toString());
    // 400 clusters over n replicas: none with less than a third of its fair share.
    owned.values().forEach(v -> assertTrue(v > 400 / n / 3, owned.toString()));
  }
}
