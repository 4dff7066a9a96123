package io.kubebackend.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubebackend.query.LabelSelector.Operator;
import io.kubebackend.query.LabelSelector.Requirement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LabelSelectorTest {

  @Test
  void everyOperator() {
    LabelSelector s = LabelSelector.parse("a=1,b==2,c!=3,d in (x, y),e notin (z),f,!g,h>5,i<7");
    assertEquals(List.of(
        new Requirement("a", Operator.EQUALS, List.of("1")),
        new Requirement("b", Operator.EQUALS, List.of("2")),
        new Requirement("c", Operator.NOT_EQUALS, List.of("3")),
        new Requirement("d", Operator.IN, List.of("x", "y")),
        new Requirement("e", Operator.NOT_IN, List.of("z")),
        new Requirement("f", Operator.EXISTS, List.of()),
        new Requirement("g", Operator.DOES_NOT_EXIST, List.of()),
        new Requirement("h", Operator.GREATER_THAN, List.of("5")),
        new Requirement("i", Operator.LESS_THAN, List.of("7"))), s.requirements());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "``|``",
      "`   `|``",
      "x=a,y=b|x=a,y=b",
      "y=b,x=a|x=a,y=b",
      "x = a , y == b|x=a,y=b",
      "x=|x=",
      "x=,y=b|x=,y=b",
      "x in (b,a,b)|x in (a,b)",
      "x in ()|x in ()",
      "x in (,a)|x in (,a)",
      "x notin (a,,b)|x notin (,a,b)",
      "x in (in,notin)|x in (in,notin)",
      "example.com/app-name=web.1_x|example.com/app-name=web.1_x",
      "!x,y|!x,y",
      "x>0,x<10|x>0,x<10",
      "app.kubernetes.io/name in (web)|app.kubernetes.io/name in (web)"})
  void parsesLikeTheApiserverAndPrintsCanonically(String text, String canonical) {
    assertEquals(canonical, LabelSelector.parse(text).toString());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "x=a)|found ')', expected: ',' or 'end of string'",
      "x==a==b|found '==', expected: ',' or 'end of string'",
      "!x=a|found '=', expected: ',' or 'end of string'",
      "x=a b|found 'b', expected: ',' or 'end of string'",
      "x in a|found 'a' expected: '('",
      "x in (a|found '', expected: ',' or ')'",
      "x in (a b)|found 'b', expected: ',' or ')'",
      "x in ((a)|found '(', expected: ',', ')' or identifier",
      "x>a|for 'Gt', 'Lt' operators, the value must be an integer",
      "x<1.5|for 'Gt', 'Lt' operators, the value must be an integer",
      "x>99999999999999999999|for 'Gt', 'Lt' operators, the value must be an integer",
      "x=a,|found '', expected: identifier after ','",
      ",x=a|found ',', expected: !, identifier, or 'end of string'",
      "=a|found '=', expected: !, identifier, or 'end of string'",
      "x!a|found '!', expected: in, notin, =, ==, !=, gt, lt",
      "x=(a)|found '(', expected: identifier",
      "-x=a|name part must consist of alphanumeric characters",
      "x-=a|name part must consist of alphanumeric characters",
      "/x=a|prefix part must be non-empty",
      "a/b/c=d|a qualified name must consist of",
      "Example.com/x=a|prefix part a lowercase RFC 1123 subdomain",
      "x=a-|a valid label must be an empty string or consist of alphanumeric characters",
      "x=a'b|a valid label must be an empty string",
      "x=1;DROP TABLE objects|a valid label must be an empty string",
      "x in (a,'b')|a valid label must be an empty string"})
  void malformedSelectorsNameTheProblem(String text, String problem) {
    InvalidQueryException e = assertThrows(InvalidQueryException.class, () -> LabelSelector.parse(text));
    assertTrue(e.getMessage().contains(problem), e.getMessage());
    assertTrue(e.getMessage().startsWith("invalid labelSelector \"" + text + "\": "), e.getMessage());
  }

  @Test
  void lengthLimitsOfKeysAndValues() {
    assertThrows(InvalidQueryException.class, () -> LabelSelector.parse("x".repeat(64) + "=a"));
    assertThrows(InvalidQueryException.class, () -> LabelSelector.parse("x=" + "a".repeat(64)));
    assertEquals(1, LabelSelector.parse("x".repeat(63) + "=" + "a".repeat(63)).requirements().size());
    InvalidQueryException e = assertThrows(InvalidQueryException.class,
        () -> LabelSelector.parse("x in (" + "a,".repeat(3000) + "a)"));
    assertTrue(e.getMessage().contains("longer than 4096 characters"), e.getMessage());
  }
}
