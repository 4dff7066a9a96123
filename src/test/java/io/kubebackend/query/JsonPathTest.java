package io.kubebackend.query;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class JsonPathTest {

  @Test
  void dottedKeysAndArrayPositions() {
    JsonPath p = JsonPath.parse("spec.containers[0].image");
    assertEquals(List.of(new JsonPath.Key("spec"), new JsonPath.Key("containers"), new JsonPath.Index(0),
        new JsonPath.Key("image")), p.segments());
    assertArrayEquals(new String[] {"spec", "containers", "0", "image"}, p.postgresPath());
    assertEquals("$.\"spec\".\"containers\"[0].\"image\"", p.sqlitePath());
    assertFalse(p.keysOnly());
  }

  @Test
  void quotedKeysHoldDotsAndSlashes() {
    JsonPath p = JsonPath.parse("metadata.labels[\"app.kubernetes.io/name\"]");
    assertArrayEquals(new String[] {"metadata", "labels", "app.kubernetes.io/name"}, p.postgresPath());
    assertEquals("$.\"metadata\".\"labels\".\"app.kubernetes.io/name\"", p.sqlitePath());
    assertTrue(p.keysOnly());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "status.phase|status.phase",
      "[\"status\"].phase|status.phase",
      "metadata.annotations[\"a b\"]|metadata.annotations[\"a b\"]",
      "metadata.annotations.example.com/x|metadata.annotations.example.com/x",
      "a[\"0\"][0]|a[\"0\"][0]",
      "spec.template.spec.containers[12].env[3].value-from|spec.template.spec.containers[12].env[3].value-from"})
  void canonicalTextParsesBackToTheSamePath(String text, String canonical) {
    JsonPath p = JsonPath.parse(text);
    assertEquals(canonical, p.toString());
    assertEquals(p, JsonPath.parse(p.toString()));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "``|expected a JSON path",
      ".a|expected a key",
      "a.|expected a key, found the end",
      "a..b|expected a key",
      "a b|unexpected ' '",
      "a[|unterminated '['",
      "a[01]|expected an array position",
      "a[1234567]|expected an array position",
      "a[-1]|expected an array position",
      "a[x]|expected an array position",
      "a[\"x|unterminated quoted key",
      "a[\"\"]|a quoted key is not empty",
      "a[\"x\\\"]|not allowed in a quoted key",
      "a[\"x\"|expected ']'",
      "[0].a|starts with a key",
      "a.0|is all digits",
      "a;DROP TABLE objects|unexpected ';'",
      "a'--|unexpected '''",
      "$.a|expected a key of letters"})
  void malformedPathsNameTheProblem(String text, String problem) {
    InvalidQueryException e = assertThrows(InvalidQueryException.class, () -> JsonPath.parse(text));
    assertTrue(e.getMessage().contains(problem), e.getMessage());
    assertTrue(e.getMessage().startsWith("invalid JSON path '" + text + "'"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {33, 40})
  void segmentCountIsBounded(int segments) {
    String text = String.join(".", java.util.Collections.nCopies(segments, "a"));
    InvalidQueryException e = assertThrows(InvalidQueryException.class, () -> JsonPath.parse(text));
    assertTrue(e.getMessage().contains("at most 32 segments"), e.getMessage());
  }

  @Test
  void lengthIsBounded() {
    String text = "a".repeat(513);
    InvalidQueryException e = assertThrows(InvalidQueryException.class, () -> JsonPath.parse(text));
    assertTrue(e.getMessage().contains("at most 512 characters"), e.getMessage());
  }
}
