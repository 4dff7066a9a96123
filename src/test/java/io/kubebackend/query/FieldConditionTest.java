package io.kubebackend.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubebackend.query.FieldCondition.Op;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FieldConditionTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "status.phase|EXISTS|",
      "!status.phase|NOT_EXISTS|",
      "status.phase=Running|EQUALS|Running",
      "status.phase==Running|EQUALS|Running",
      "status.phase!=Running|NOT_EQUALS|Running",
      "metadata.name~web|CONTAINS|web",
      "spec.replicas<3|LESS|3",
      "spec.replicas<=3|LESS_OR_EQUAL|3",
      "spec.replicas>3|GREATER|3",
      "spec.replicas>=3|GREATER_OR_EQUAL|3",
      "metadata.annotations[\"a/b\"]=x=y, z|EQUALS|x=y, z",
      "status.phase=|EQUALS|``",
      "status.phase=a' OR '1'='1|EQUALS|a' OR '1'='1"})
  void operatorsAndVerbatimValues(String text, Op op, String value) {
    FieldCondition c = FieldCondition.parse(text);
    assertEquals(op, c.op());
    assertEquals(value == null ? List.of() : List.of(value), c.values());
  }

  @Test
  void sets() {
    FieldCondition in = FieldCondition.parse("status.phase in (Running, Pending)");
    assertEquals(Op.IN, in.op());
    assertEquals(List.of("Running", "Pending"), in.values());
    FieldCondition notIn = FieldCondition.parse("status.phase   notin(Failed)");
    assertEquals(Op.NOT_IN, notIn.op());
    assertEquals(List.of("Failed"), notIn.values());
    assertEquals("status.phase in (Running,Pending)", in.toString());
  }

  @Test
  void orderingTakesNumbersOrTimestamps() {
    assertEquals(new FieldCondition.Number(new BigDecimal("2.5e3")),
        FieldCondition.parse("spec.x>2.5e3").comparand());
    assertEquals(new FieldCondition.Number(new BigDecimal("-1")), FieldCondition.parse("spec.x<-1").comparand());
    long micros = Instant.parse("2024-05-01T10:00:00.123456Z").toEpochMilli() * 1000 + 456;
    assertEquals(new FieldCondition.Timestamp(micros),
        FieldCondition.parse("status.startTime>=2024-05-01T12:00:00.123456+02:00").comparand());
    assertNull(FieldCondition.parse("status.phase=3").comparand(), "= compares text");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "``|expected a JSON path",
      "status.phase Running|expected 'in' or 'notin'",
      "status.phase = Running|expected 'in' or 'notin'",
      "status.phase in Running|takes a list in parentheses",
      "status.phase in (a|takes a list in parentheses",
      "!status.phase=Running|takes no operator",
      "status.phase?x|expected an operator",
      "status.phase~|needs a non-empty value",
      "spec.replicas>three|is neither",
      "spec.replicas>1e|is neither",
      "spec.replicas>2024-05-01|is neither",
      "spec.replicas>2024-05-01 12:00:00Z|is neither",
      "spec.replicas>2024-13-01T00:00:00Z|is neither",
      "spec.replicas>1e999|out of range",
      "status.phase';DROP TABLE objects;--=x|expected an operator"})
  void malformedConditionsNameTheProblem(String text, String problem) {
    InvalidQueryException e = assertThrows(InvalidQueryException.class, () -> FieldCondition.parse(text));
    assertTrue(e.getMessage().contains(problem), e.getMessage());
  }
}
