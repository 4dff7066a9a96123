package io.kubebackend.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuthConfigTest {

  @Test
  void theReadmeAuthSectionLoads() throws Exception {
    Path file = Files.createTempFile("kb", ".yaml");
    Files.writeString(file, """
        auth:
          adminUser: root
          adminPassword: from-the-file
          tokenTtlMinutes: 60
          corsOrigins: [https://ui.example.com]
          loginPerAddress: {attempts: 5, seconds: 10}
          loginPerUser: {attempts: 3, seconds: 300}
          bcryptCost: 12
        """);
    BackendConfig.Auth auth = BackendConfig.load(file).auth();
    assertEquals("root", auth.adminUser());
    assertEquals(60, auth.tokenTtlMinutes());
    assertEquals(List.of("https://ui.example.com"), auth.corsOrigins());
    assertEquals(new BackendConfig.RateLimit(5, 10), auth.loginPerAddress());
    assertEquals(new BackendConfig.RateLimit(3, 300), auth.loginPerUser());
    assertEquals(12, auth.bcryptCost());
    assertFalse(auth.toString().contains("from-the-file"), "the password is never printed");
  }

  @Test
  void defaults() {
    BackendConfig.Auth auth = BackendConfig.defaults().auth();
    assertEquals("admin", auth.adminUser());
    assertNull(auth.adminPassword());
    assertEquals(720, auth.tokenTtlMinutes());
    assertEquals(List.of(), auth.corsOrigins());
    assertEquals(new BackendConfig.RateLimit(30, 60), auth.loginPerAddress());
    assertEquals(new BackendConfig.RateLimit(10, 600), auth.loginPerUser());
    assertEquals(10, auth.bcryptCost());
  }
}
