package io.kubebackend.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubebackend.config.BackendConfig;
import io.kubebackend.store.Database;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.MutableClock;
import io.kubebackend.testing.TestDatabases;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The first admin, and tokens end to end, on both databases (without HTTP). */
class AuthBootstrapIT {
  private static final BackendConfig.Auth CONFIG = new BackendConfig.Auth("root", null, 30, null, null, null, 4);

  /** Opens auth on the database, returning what it printed on the console. */
  private static String open(Database db, BackendConfig.Auth cfg, MutableClock clock, Auth[] out) {
    PrintStream console = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      out[0] = Auth.open(db, cfg, clock);
    } finally {
      System.setOut(console);
    }
    return printed.toString(StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void aGeneratedAdminPasswordIsPrintedOnceAndWorks(Dialect dialect) {
    MutableClock clock = new MutableClock();
    try (Database db = TestDatabases.fresh(dialect)) {
      Auth[] auth = new Auth[1];
      String printed = open(db, CONFIG, clock, auth);
      Matcher m = Pattern.compile("created user root \\(role admin\\) with the generated password (\\S+) ")
          .matcher(printed);
      assertTrue(m.find(), printed);
      String password = m.group(1);
      assertTrue(password.length() >= 20);

      String token = auth[0].logins().login("root", password, "127.0.0.1");
      Caller caller = auth[0].authenticator().authenticate("Bearer " + token, "root",
          Authenticator.UserHeader.REQUIRED);
      assertTrue(caller.admin());

      // A second start finds the user and neither prints nor changes anything.
      assertEquals("", open(db, CONFIG.withAdminPassword("another-password"), clock, auth));
      assertThrows(AuthException.class, () -> auth[0].logins().login("root", "another-password", "127.0.0.1"));
      String again = auth[0].logins().login("root", password, "127.0.0.1");
      assertNotEquals(token, again);

      // Tokens expire with the configured time; the stored row holds no token.
      clock.advance(Duration.ofMinutes(31));
      AuthException expired = assertThrows(AuthException.class, () -> auth[0].authenticator()
          .authenticate("Bearer " + again, null, Authenticator.UserHeader.OPTIONAL));
      assertEquals(401, expired.status());
    }
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void aConfiguredAdminPasswordIsUsedAndNotPrinted(Dialect dialect) {
    try (Database db = TestDatabases.fresh(dialect)) {
      Auth[] auth = new Auth[1];
      String printed = open(db, CONFIG.withAdminPassword("configured-password"), new MutableClock(), auth);
      assertFalse(printed.contains("configured-password"));
      assertFalse(auth[0].logins().login("root", "configured-password", "10.0.0.1").isEmpty());
    }
  }
}
