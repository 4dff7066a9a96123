package io.kubebackend.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Says what is wrong with a request body in words for its sender. Jackson's own messages name Java classes and
 * parser internals; these name the field.
 */
public final class RequestBodies {
  private RequestBodies() {}

  public static String describe(JsonProcessingException e) {
    return switch (e) {
      case UnrecognizedPropertyException u -> "unknown field " + quoted(u.getPropertyName());
      case InvalidFormatException f -> field(f) + " has the wrong type or format";
      case MismatchedInputException m -> m.getPath().isEmpty() ? "the body has the wrong shape"
          : field(m) + " has the wrong type";
      case JsonMappingException m when !m.getPath().isEmpty() -> field(m) + " is not valid";
      default -> "the body is not valid JSON" + (e.getLocation() != null && e.getLocation().getLineNr() > 0
          ? " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")" : "");
    };
  }

  private static String field(JsonMappingException e) {
    StringBuilder out = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        out.append(out.isEmpty() ? "" : ".").append(ref.getFieldName());
      } else {
        out.append('[').append(ref.getIndex()).append(']');
      }
    }
    return out.isEmpty() ? "the body" : quoted(out.toString());
  }

  private static String quoted(String name) {
    return "'" + ObjectPath.printable(name) + "'";
  }
}
