package io.kubebackend.api.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.kubebackend.events.ChangeEvent;
import io.kubebackend.store.Change;
import org.junit.jupiter.api.Test;

class SelectionMembersTest {
  private static ChangeEvent change(long seq, Change.Op op, String name) {
    return new ChangeEvent(seq, op, 0, "c1", "", "v1", "ConfigMap", "configmaps", "ns", name, "uid-" + name,
        "1", "{}");
  }

  @Test
  void objectsMovingInAndOutOfTheSelectionAreAddedAndDeleted() {
    SelectionMembers m = new SelectionMembers();
    assertNull(m.transition(change(1, Change.Op.CREATE, "a"), false), "never selected: not sent");
    assertEquals("ADDED", m.transition(change(2, Change.Op.UPDATE, "a"), true), "moved in");
    assertEquals("MODIFIED", m.transition(change(3, Change.Op.UPDATE, "a"), true));
    assertEquals("DELETED", m.transition(change(4, Change.Op.UPDATE, "a"), false), "moved out");
    assertNull(m.transition(change(5, Change.Op.UPDATE, "a"), false), "already out");
    assertNull(m.transition(change(6, Change.Op.DELETE, "a"), false), "deleted while out");
    assertEquals("ADDED", m.transition(change(7, Change.Op.CREATE, "b"), true));
    assertEquals("DELETED", m.transition(change(8, Change.Op.DELETE, "b"), false), "deleted while in");
    assertEquals(0, m.size());
  }

  @Test
  void anInitialObjectIsModifiedAndItsExitIsSent() {
    SelectionMembers m = new SelectionMembers();
    m.add(SelectionMembers.key("c1", "ns", "a"));
    assertEquals("MODIFIED", m.transition(change(2, Change.Op.UPDATE, "a"), true));
    assertEquals("DELETED", m.transition(change(3, Change.Op.UPDATE, "a"), false));
  }

  @Test
  void aResumedWatchSendsEveryExitDuringItsReplay() {
    SelectionMembers m = new SelectionMembers();
    m.replayThrough(10);
    // The client may hold "a" from before it resumed: its exit is sent although this watch never sent it.
    assertEquals("DELETED", m.transition(change(5, Change.Op.UPDATE, "a"), false));
    assertEquals("MODIFIED", m.transition(change(6, Change.Op.UPDATE, "b"), true), "maybe held: modified");
    assertEquals("ADDED", m.transition(change(7, Change.Op.CREATE, "c"), true));
    assertEquals("DELETED", m.transition(change(8, Change.Op.DELETE, "d"), false));
    // After the replay, only what this watch sent.
    assertNull(m.transition(change(11, Change.Op.UPDATE, "e"), false));
    assertEquals("DELETED", m.transition(change(12, Change.Op.UPDATE, "b"), false));
  }
}
