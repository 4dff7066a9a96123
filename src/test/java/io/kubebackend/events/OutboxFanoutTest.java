package io.kubebackend.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kubebackend.store.Change;
import io.kubebackend.store.Database;
import io.kubebackend.store.Dialect;
import io.kubebackend.store.SqlMirrorStore;
import io.kubebackend.testing.TestDatabases;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shared outbox reader with and without subscribers: while nobody is subscribed it only follows the head,
 * and a subscriber that comes later, from any seq, still gets every event after it, once and in order.
 */
class OutboxFanoutTest {
  @Test
  void aSubscriberGetsEveryEventAfterItsSeqWhateverTheReaderSkippedWithoutSubscribers() throws Exception {
    try (Database db = TestDatabases.fresh(Dialect.SQLITE)) {
      SqlMirrorStore store = new SqlMirrorStore(db, Clock.systemUTC());
      OutboxSignal signal = new OutboxSignal();
      try (OutboxFanout fanout = new OutboxFanout(new OutboxReader(db), signal).start()) {
        write(store, signal, 0, 30);
        awaitPosition(fanout, 30);
        try (OutboxFanout.Subscription early = fanout.subscribe(10)) {
          List<Long> got = new ArrayList<>();
          write(store, signal, 30, 40);
          drain(early, got, 40);
          assertEquals(range(11, 40), got, "events 11..30 caught up, 31..40 live");
        }
        // Nobody subscribed again: the reader moves on without handing anything out.
        write(store, signal, 40, 60);
        awaitPosition(fanout, 60);
        for (int round = 0; round < 20; round++) {
          // Subscribing while events are being written: none may fall between catch-up and live.
          try (OutboxFanout.Subscription late = fanout.subscribe(60 + round * 5)) {
            write(store, signal, 60 + round * 5, 65 + round * 5);
            List<Long> got = new ArrayList<>();
            drain(late, got, 65 + round * 5);
            assertEquals(range(61 + round * 5, 65 + round * 5), got, "round " + round);
          }
        }
      }
    }
  }

  private static void write(SqlMirrorStore store, OutboxSignal signal, int from, int to) {
    for (int i = from; i < to; i++) {
      store.apply(List.<Change>of(SyntheticChanges.upsert("c", "ns", "o" + i, Integer.toString(i + 1),
          Change.Op.CREATE)));
      signal.signal();
    }
  }

  private static void drain(OutboxFanout.Subscription s, List<Long> got, long last) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while ((got.isEmpty() || got.getLast() < last) && System.nanoTime() < deadline) {
      if (s.next(200) instanceof OutboxFanout.Delivery.Events e) {
        e.events().forEach(x -> got.add(x.seq()));
      }
    }
  }

  private static void awaitPosition(OutboxFanout fanout, long seq) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (fanout.position() < seq && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(seq, fanout.position());
  }

  private static List<Long> range(long from, long to) {
    List<Long> out = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      out.add(i);
    }
    return out;
  }
}
