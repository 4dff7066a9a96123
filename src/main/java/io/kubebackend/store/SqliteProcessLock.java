package io.kubebackend.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One kube-backend per SQLite file: an exclusive lock on {@code <file>.lock}, held while it runs. SQLite has no
 * leases and its writer lock is per transaction, so two kube-backends on one file would each mirror every cluster
 * and interleave their outbox sequences; the second one refuses to start instead. (Several replicas share a
 * PostgreSQL database.) The operating system drops the lock when the process dies, however it dies.
 */
public final class SqliteProcessLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private SqliteProcessLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock of a {@code jdbc:sqlite:FILE} URL; null for PostgreSQL and in-memory SQLite. Throws
   * {@link IllegalStateException} naming the holder when another process (or this one) has it.
   */
  public static SqliteProcessLock acquire(String jdbcUrl) {
    if (Dialect.ofJdbcUrl(jdbcUrl) != Dialect.SQLITE) {
      return null;
    }
    String file = jdbcUrl.substring("jdbc:sqlite:".length());
    int query = file.indexOf('?');
    file = query < 0 ? file : file.substring(0, query);
    file = file.startsWith("file:") ? file.substring("file:".length()) : file;
    if (file.isEmpty() || file.equals(":memory:") || file.contains("mode=memory")) {
      return null;
    }
    Path lockFile = Path.of(file + ".lock");
    FileChannel channel = null;
    try {
      Path parent = lockFile.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException sameProcess) {
        lock = null;
      }
      if (lock == null) {
        String holder = new String(Files.readAllBytes(lockFile), StandardCharsets.UTF_8).strip();
        channel.close();
        throw new IllegalStateException("another kube-backend" + (holder.isEmpty() ? "" : " (process " + holder
            + ")") + " uses the SQLite database " + file + "; SQLite serves one kube-backend process: stop that"
            + " one, or run several replicas on PostgreSQL");
      }
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)),
          0);
      channel.force(false);
      return new SqliteProcessLock(channel, lock);
    } catch (IOException e) {
      try {
        if (channel != null) {
          channel.close();
        }
      } catch (IOException ignored) {
        // the open failed anyway
      }
      throw new IllegalStateException("cannot lock " + lockFile + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // the process is stopping; the OS releases the lock with the file
    }
  }
}
