package io.kubebackend.query;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class ItemWriterTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String write(String object, List<JsonPath> fields) throws Exception {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
      ItemWriter.write(g, "c1", object, fields);
    }
    return out.toString();
  }

  private static void assertJson(String expected, String actual) throws Exception {
    assertEquals(JSON.readTree(expected), JSON.readTree(actual), actual);
  }

  @Test
  void addsTheClusterAnnotationWithoutChangingAnythingElse() throws Exception {
    assertJson("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"annotations\":{\"kubebackend.io/cluster\":\"c1\","
            + "\"a\":\"b\"},\"labels\":{\"x\":\"y\"}},\"spec\":{\"n\":[1,2.5,null,true]}}",
        write("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"annotations\":{\"a\":\"b\"},\"labels\":{\"x\":\"y\"}},"
            + "\"spec\":{\"n\":[1,2.5,null,true]}}", List.of()));
    assertJson("{\"metadata\":{\"name\":\"p\",\"annotations\":{\"kubebackend.io/cluster\":\"c1\"}}}",
        write("{\"metadata\":{\"name\":\"p\"}}", List.of()));
    assertJson("{\"kind\":\"X\",\"metadata\":{\"annotations\":{\"kubebackend.io/cluster\":\"c1\"}}}",
        write("{\"kind\":\"X\"}", List.of()));
    assertJson("{\"metadata\":{\"annotations\":{\"kubebackend.io/cluster\":\"c1\"}}}",
        write("{\"metadata\":{\"annotations\":{\"kubebackend.io/cluster\":\"forged\"}}}", List.of()));
  }

  @Test
  void theMirrorsResourceVersionReplacesTheClustersWhichMovesToAnAnnotation() throws Exception {
    String stored = "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"resourceVersion\":\"48213\","
        + "\"annotations\":{\"a\":\"b\",\"kubebackend.io/cluster-resource-version\":\"forged\"}}}";
    assertJson("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"resourceVersion\":\"907\",\"annotations\":"
        + "{\"a\":\"b\",\"kubebackend.io/cluster-resource-version\":\"48213\"}}}",
        ItemWriter.shown(stored, new ItemWriter.Shown(null, "907")));
    assertJson("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"resourceVersion\":\"907\",\"annotations\":"
        + "{\"a\":\"b\",\"kubebackend.io/cluster\":\"c2\",\"kubebackend.io/cluster-resource-version\":\"48213\"}}}",
        ItemWriter.shown(stored, new ItemWriter.Shown("c2", "907")));
    assertEquals(stored, ItemWriter.shown(stored, ItemWriter.Shown.AS_STORED));
  }

  @Test
  void fieldsKeepOnlyTheChosenPathsAndTheIdentity() throws Exception {
    String object = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":\"n\","
        + "\"uid\":\"u\",\"labels\":{\"app\":\"web\",\"tier\":\"x\"}},\"spec\":{\"nodeName\":\"n1\"},"
        + "\"status\":{\"phase\":\"Pending\",\"conditions\":[]}}";
    assertEquals(JSON.readTree("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\","
            + "\"namespace\":\"n\",\"labels\":{\"app\":\"web\"},\"annotations\":{\"kubebackend.io/cluster\":\"c1\"}},"
            + "\"status\":{\"phase\":\"Pending\"}}"),
        JSON.readTree(write(object, List.of(JsonPath.parse("status.phase"), JsonPath.parse("metadata.labels.app"),
            JsonPath.parse("spec.missing")))));
  }
}
