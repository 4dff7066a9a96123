package io.kubebackend.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaConfigTest {

  @Test
  void defaultsMeanNoKafkaAndADayOfOutbox() {
    BackendConfig.Kafka k = BackendConfig.defaults().kafka();
    assertFalse(k.enabled());
    assertEquals("kube-backend.events", k.topic());
    assertEquals(Duration.ofHours(24), k.retention());
  }

  @Test
  void readsTheKafkaSectionFromYaml() throws Exception {
    Path file = Files.createTempFile("kb", ".yaml");
    Files.writeString(file, """
        kafka:
          bootstrap: k1:9092
          topic: t
          outboxRetention: 7d
          properties:
            security.protocol: SASL_SSL
            sasl.jaas.config: secret-stuff
        """);
    BackendConfig.Kafka k = BackendConfig.load(file).kafka();
    assertTrue(k.enabled());
    assertEquals("k1:9092", k.bootstrap());
    assertEquals("t", k.topic());
    assertEquals(Duration.ofDays(7), k.retention());
    assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.jaas.config", "secret-stuff"), k.properties());
    assertFalse(k.toString().contains("secret-stuff"), "producer property values are never printed");
  }

  @Test
  void retentionAcceptsShortFormsAndIsoAndRejectsTheRest() {
    assertEquals(Duration.ofSeconds(30), BackendConfig.Kafka.retention("30s"));
    assertEquals(Duration.ofMinutes(90), BackendConfig.Kafka.retention("90m"));
    assertEquals(Duration.ofHours(36), BackendConfig.Kafka.retention("PT36H"));
    assertThrows(IllegalArgumentException.class, () -> new BackendConfig.Kafka(null, null, "1 week", null));
    assertThrows(IllegalArgumentException.class, () -> BackendConfig.Kafka.retention("12"));
  }
}
