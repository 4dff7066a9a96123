package io.kubebackend.api.kubesys;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.javalin.http.Context;
import io.kubebackend.auth.Grant;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** The request bodies of the kubesys API (unknown fields are ignored, as the old backend did) and their parsing. */
final class KubesysRequests {
  static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
      .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true);

  /** createResource, updateResource, createOrUpdateResource. */
  record WriteRequest(String region, JsonNode data) {}

  /** getResource, deleteResource. */
  record ObjectRequest(String fullkind, String name, String namespace, String region) {}

  /** listResources; labels maps {@code a##b##c} JSON paths to searched text. */
  record ListRequest(String fullkind, Integer page, Integer limit, Map<String, JsonNode> labels, String region) {}

  record CountRequest(String fullkind, Map<String, JsonNode> labels, String region) {}

  record MetaRequest(String region) {}

  record LoginRequest(String kind, LoginData data) {}

  /** {@code password} is base64 of the password's UTF-8 bytes, as the old frontend sends it. */
  record LoginData(String name, String password) {}

  record CreateUserRequest(String name, String password, String role) {}

  record NameRequest(String name) {}

  record SetRoleRequest(String name, String role) {}

  /** Passwords base64 like at login; {@code oldPassword} is needed when users change their own. */
  record ChangePasswordRequest(String name, String password, String oldPassword) {}

  record PutRoleRequest(String name, List<Grant> grants) {}

  private KubesysRequests() {}

  /** Parses the body as {@code type}; 400 for an empty body, bad JSON, a non-object or a field of the wrong type. */
  static <T> T read(Context ctx, Class<T> type) {
    String body = ctx.body();
    if (body.isBlank()) {
      throw KubesysException.badRequest("the request body must be a JSON object");
    }
    JsonNode node;
    try {
      node = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw KubesysException.badRequest("the request body is not valid JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw KubesysException.badRequest("the request body must be a JSON object");
    }
    try {
      return JSON.treeToValue(node, type);
    } catch (MismatchedInputException e) {
      String field = e.getPath().isEmpty() ? "the body" : fieldPath(e);
      throw KubesysException.badRequest(field + " has the wrong type");
    } catch (JsonProcessingException e) {
      throw KubesysException.badRequest("the request body does not fit " + type.getSimpleName() + ": "
          + e.getOriginalMessage());
    }
  }

  private static String fieldPath(MismatchedInputException e) {
    StringBuilder out = new StringBuilder();
    for (var ref : e.getPath()) {
      if (!out.isEmpty()) {
        out.append('.');
      }
      out.append(ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]");
    }
    return out.toString();
  }

  /** A required, non-blank string field. */
  static String required(String field, String value) {
    if (value == null || value.isBlank()) {
      throw KubesysException.badRequest(field + " is required");
    }
    return value;
  }

  /** Decodes a base64 password; 400 if it is missing or not base64. */
  static String base64Password(String field, String value) {
    required(field, value);
    try {
      return new String(Base64.getDecoder().decode(value.strip()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw KubesysException.badRequest(field + " must be base64 (of the password's UTF-8 bytes)");
    }
  }
}
