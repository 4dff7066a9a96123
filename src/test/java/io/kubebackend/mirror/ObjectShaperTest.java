package io.kubebackend.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.store.Change;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/**
 * The streaming shaper against the object-model path it replaced ({@link OldShaper}, kept here as the oracle):
 * the same JSON trees, and indexed fields checked against values written out in the test.
 */
class ObjectShaperTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ResourceType CM = new ResourceType("", "v1", "configmaps", "ConfigMap", true);
  private static final ResourceType SECRET = new ResourceType("", "v1", "secrets", "Secret", true);
  private static final ResourceType WIDGET = new ResourceType("example.com", "v2", "widgets", "Widget", false);

  private static final String ITEM = """
      {"metadata":{"name":"a","namespace":"ns","uid":"u-1","resourceVersion":"42",
        "creationTimestamp":"2026-12-02T10:00:00Z","labels":{"app":"web","tier":"x"},
        "annotations":{"note":"%s"},
        "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"o-1"},
          {"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs2","uid":"o-2"},
          {"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"o-1"}],
        "managedFields":[{"manager":"kubectl","operation":"Apply","fieldsV1":{"f:data":{}}}]},
       "data":{"k":"%s","n":1.5,"big":12345678901234567890,"t":true,"z":null,"arr":[1,[2,{}],[]]}}""";

  @Test
  void takesTheIndexedFieldsAndStripsManagedFieldsInOnePass() {
    ObjectShaper.Shaped s = new ObjectShaper("c", CM, false, false).shape(item("hello", "world"));
    assertEquals("ns", s.namespace());
    assertEquals("a", s.name());
    assertEquals("u-1", s.uid());
    assertEquals("42", s.resourceVersion());
    assertEquals(1_796_205_600_000L, s.createdMs());
    assertEquals(tree("{\"app\":\"web\",\"tier\":\"x\"}"), tree(s.labelsJson()));
    assertEquals(List.of("o-1", "o-2"), s.ownerUids());
    JsonNode stored = tree(s.json());
    assertTrue(stored.path("metadata").path("managedFields").isMissingNode(), s.json());
    assertEquals("v1", stored.path("apiVersion").asText());
    assertEquals("ConfigMap", stored.path("kind").asText());
    assertEquals("12345678901234567890", stored.path("data").path("big").asText());
    assertEquals(OldShaper.json(CM, false, false, item("hello", "world")), stored);
  }

  @Test
  void keepsManagedFieldsWhenConfiguredAndAnObjectsOwnApiVersionAndKind() {
    String widget = "{\"apiVersion\":\"example.com/v2\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w\","
        + "\"managedFields\":[{\"manager\":\"m\"}]},\"spec\":{\"size\":3}}";
    ObjectShaper.Shaped s = new ObjectShaper("c", WIDGET, false, true).shape(widget);
    assertEquals("", s.namespace());
    assertEquals("", s.uid());
    assertEquals("{}", s.labelsJson());
    assertEquals(List.of(), s.ownerUids());
    assertNull(s.createdMs());
    assertEquals(tree(widget), tree(s.json()));
    assertEquals(OldShaper.json(WIDGET, false, true, widget), tree(s.json()));
  }

  @Test
  void oddTextIsStoredAsTheOldPathStoredIt() {
    // NUL and other control characters, a lone high and a lone low surrogate, a valid pair, and a huge annotation.
    String odd = "nul\\u0000 bell\\u0007 lone\\ud800 low\\udc00 pair\\ud83d\\ude00 quote\\\" slash\\\\ é";
    String huge = "x".repeat(1_000_000);
    for (String[] texts : List.of(new String[] {odd, "plain"}, new String[] {"plain", odd},
        new String[] {huge, odd})) {
      String json = item(texts[0], texts[1]);
      ObjectShaper.Shaped s = new ObjectShaper("c", CM, false, false).shape(json);
      assertEquals(OldShaper.json(CM, false, false, json), tree(s.json()));
      assertEquals(OldShaper.stringJson(CM, false, false, json).length(), s.json().length(),
          "the same characters, escaped the same way");
    }
    ObjectShaper.Shaped s = new ObjectShaper("c", CM, false, false).shape(item(odd, odd));
    String note = tree(s.json()).path("metadata").path("annotations").path("note").asText();
    assertTrue(note.contains("\u0000") && note.contains("\ud800") && note.contains("\ud83d\ude00"), note);
  }

  @Test
  void secretDataIsLeftOutUnlessKept() {
    String secret = "{\"metadata\":{\"name\":\"s\",\"namespace\":\"ns\"},\"type\":\"Opaque\","
        + "\"data\":{\"password\":\"c2VjcmV0\"},\"stringData\":{\"token\":\"plain\"},\"immutable\":true}";
    ObjectShaper.Shaped dropped = new ObjectShaper("c", SECRET, false, false).shape(secret);
    assertFalse(dropped.json().contains("c2VjcmV0") || dropped.json().contains("plain"), dropped.json());
    assertEquals(OldShaper.json(SECRET, false, false, secret), tree(dropped.json()));
    assertTrue(tree(dropped.json()).path("immutable").asBoolean());
    ObjectShaper.Shaped kept = new ObjectShaper("c", SECRET, true, false).shape(secret);
    assertEquals("c2VjcmV0", tree(kept.json()).path("data").path("password").asText());
    assertEquals(OldShaper.json(SECRET, true, false, secret), tree(kept.json()));
    // Only core Secrets: a custom resource called secrets keeps its data.
    ResourceType custom = new ResourceType("example.com", "v1", "secrets", "Secret", true);
    assertEquals("c2VjcmV0", tree(new ObjectShaper("c", custom, false, false).shape(secret).json())
        .path("data").path("password").asText());
  }

  @Test
  void aSecretsLastAppliedCopyOfItsDataIsLeftOutAndTwoMetadataAreRefused() {
    String secret = "{\"metadata\":{\"name\":\"s\",\"annotations\":{\"" + ObjectShaper.LAST_APPLIED
        + "\":\"{\\\"data\\\":{\\\"password\\\":\\\"c2VjcmV0\\\"}}\",\"team\":\"a\"}},\"data\":{\"password\":\"c2VjcmV0\"}}";
    ObjectShaper.Shaped dropped = new ObjectShaper("c", SECRET, false, false).shape(secret);
    assertFalse(dropped.json().contains("c2VjcmV0"), dropped.json());
    assertEquals("a", tree(dropped.json()).path("metadata").path("annotations").path("team").asText());
    assertTrue(new ObjectShaper("c", SECRET, true, false).shape(secret).json().contains("last-applied"));
    assertTrue(new ObjectShaper("c", CM, false, false).shape(secret.replace("\"data\":{\"password\":\"c2VjcmV0\"}",
        "\"data\":{}")).json().contains("last-applied"), "only Secrets lose it");
    assertThrows(IllegalArgumentException.class, () -> new ObjectShaper("c", CM, false, false).shape(
        "{\"metadata\":{\"name\":\"n\"},\"metadata\":{\"name\":\"m\"}}"));
  }

  @Test
  void aListPageSkipsUnchangedObjectsAfterTheirMetadataAndReadsTheRest() throws Exception {
    String page = "{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"900\","
        + "\"continue\":\"next-token\"},\"items\":[" + item("one", "1") + ","
        + item("two", "2").replace("\"name\":\"a\"", "\"name\":\"b\"") + ","
        + item("three", "3").replace("\"name\":\"a\"", "\"name\":\"c\"") + "]}";
    List<String> seen = new ArrayList<>();
    List<ObjectShaper.Shaped> read = new ArrayList<>();
    List<ListPage.Meta> metas = new ArrayList<>();
    ListPage.Meta meta = ListPage.read(page.getBytes(StandardCharsets.UTF_8), new ObjectShaper("c", CM, false, false),
        (key, rv) -> {
          seen.add(key + "@" + rv);
          return key.equals("ns/b");
        }, new ListPage.Reader() {
          @Override
          public void meta(ListPage.Meta m) {
            assertTrue(seen.isEmpty(), "the list's metadata comes before its items");
            metas.add(m);
          }

          @Override
          public void item(ObjectShaper.Shaped item) {
            read.add(item);
          }
        });
    assertEquals(new ListPage.Meta("900", "next-token"), meta);
    assertEquals(List.of(meta), metas);
    assertFalse(meta.last());
    assertEquals(List.of("ns/a@42", "ns/b@42", "ns/c@42"), seen);
    assertEquals(List.of("a", "c"), read.stream().map(ObjectShaper.Shaped::name).toList());
    assertEquals("three", tree(read.get(1).json()).path("metadata").path("annotations").path("note").asText());
  }

  @Test
  void anUnreadableListFailsAsARequestDoesWithoutQuotingIt() {
    ObjectShaper shaper = new ObjectShaper("c", SECRET, false, false);
    for (String body : List.of("", "[]", "{\"metadata\":{},\"items\":[{\"metadata\":{\"name\":\"s\"},"
        + "\"data\":{\"password\":\"c2VjcmV0\"", "{\"items\":[]}", "{\"metadata\":{},\"items\":[1]}",
        "{\"metadata\":{},\"items\":[{\"data\":{\"password\":\"c2VjcmV0\"}}]}",
        "{\"metadata\":{},\"items\":[{\"data\":c2VjcmV0}]}")) {
      KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> ListPage.read(
          body.getBytes(StandardCharsets.UTF_8), shaper, null, new ListPage.Reader() {
            @Override
            public void meta(ListPage.Meta m) {}

            @Override
            public void item(ObjectShaper.Shaped item) {}
          }), body);
      assertFalse(e.getMessage().contains("c2VjcmV0"), e.getMessage());
    }
  }

  @Test
  void aDeleteCarriesTheFinalStateAndNoEmptyVersion() {
    ObjectShaper shaper = new ObjectShaper("c", CM, false, false);
    Change.Delete d = shaper.delete(shaper.shape("{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\"}}"));
    assertNull(d.uid());
    assertNull(d.resourceVersion());
    assertEquals(tree("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\",\"namespace\":"
        + "\"ns\"}}"), tree(d.lastObjectJson()));
  }

  /** Arbitrary text in labels, annotations and data: the same tree and the same label column as the old path. */
  @Property(tries = 300)
  void anyTextShapesAsTheOldPathShapedIt(@ForAll @StringLength(max = 40) String key,
                                        @ForAll @StringLength(max = 200) String value) throws Exception {
    Map<String, Object> object = Map.of("metadata", Map.of("name", "n" + key.hashCode(), "namespace", "ns",
        "resourceVersion", "1", "labels", Map.of(key, value), "annotations", Map.of(key, value)),
        "data", Map.of(key, value));
    String json = JSON.writeValueAsString(object);
    ObjectShaper.Shaped s = new ObjectShaper("c", CM, false, false).shape(json);
    assertEquals(OldShaper.json(CM, false, false, json), tree(s.json()));
    assertEquals(JSON.writeValueAsString(Map.of(key, value)), s.labelsJson());
  }

  /** Every date-time of the apiserver's form, valid or not, reads as {@link Instant#parse} reads it. */
  @Property(tries = 2000)
  void aCreationTimeReadsAsInstantParseReadsIt(@ForAll @IntRange(max = 9999) int year,
                                               @ForAll @IntRange(max = 13) int month,
                                               @ForAll @IntRange(max = 32) int day,
                                               @ForAll @IntRange(max = 25) int hour,
                                               @ForAll @IntRange(max = 61) int minute,
                                               @ForAll @IntRange(max = 61) int second) {
    String ts = "%04d-%02d-%02dT%02d:%02d:%02dZ".formatted(year, month, day, hour, minute, second);
    assertEquals(parsedByInstant(ts), ObjectShaper.created(ts), ts);
  }

  @Property(tries = 500)
  void anyTextReadsAsInstantParseReadsIt(@ForAll @StringLength(max = 30) String text) {
    assertEquals(parsedByInstant(text), ObjectShaper.created(text), text);
  }

  @Test
  void creationTimesOfOtherFormsAndNoDays() {
    for (String ts : List.of("2026-12-02T10:00:00Z", "2024-02-29T23:59:59Z", "2023-02-29T00:00:00Z",
        "2026-12-02T10:00:00.5Z", "2026-12-02T10:00:00+01:00", "2026-12-02t10:00:00Z", "2026-12-02T10:00:60Z",
        "2026-12-02T24:00:00Z", "0000-01-01T00:00:00Z", "\u0662026-12-02T10:00:00Z", "2026-12-0\u0662T10:00:00Z",
        "+2026-12-02T10:00:0Z", "")) {
      assertEquals(parsedByInstant(ts), ObjectShaper.created(ts), ts);
    }
    assertEquals(1_709_251_199_000L, ObjectShaper.created("2024-02-29T23:59:59Z"));
    assertNull(ObjectShaper.created("2023-02-29T00:00:00Z"));
  }

  /** Owner references of odd shapes: the uids a JSON tree of them gives, in order, once each. */
  @Test
  void ownerUidsOfOddReferencesAreTheTreesUids() throws Exception {
    String refs = """
        [{"uid":"a","name":"x"},{"uid":"b","uid":"c"},{"uid":5},{"name":"no-uid"},{"spec":{"uid":"nested"}},
         ["uid","in-array"],"text",{"uid":{"x":"y"}},{"uid":"a"},{"uid":null},{"uid":"d","more":[{"uid":"e"}]}]""";
    String object = "{\"metadata\":{\"name\":\"n\",\"ownerReferences\":" + refs + "}}";
    List<String> expected = new ArrayList<>();
    for (JsonNode ref : JSON.readTree(refs)) {
      JsonNode uid = ref.get("uid");
      if (ref.isObject() && uid != null && uid.isTextual() && !expected.contains(uid.asText())) {
        expected.add(uid.asText());
      }
    }
    ObjectShaper.Shaped s = new ObjectShaper("c", CM, false, false).shape(object);
    assertEquals(expected, s.ownerUids());
    assertEquals(List.of("a", "c", "d"), s.ownerUids());
    assertEquals(JSON.readTree(refs), tree(s.json()).path("metadata").path("ownerReferences"));
  }

  private static Long parsedByInstant(String ts) {
    try {
      return Instant.parse(ts).toEpochMilli();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static String item(String note, String value) {
    return ITEM.formatted(note, value);
  }

  private static JsonNode tree(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
