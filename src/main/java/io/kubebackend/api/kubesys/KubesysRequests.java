package io.kubebackend.api.kubesys;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.javalin.http.Context;
import io.kubebackend.api.RequestBodies;
import io.kubebackend.auth.Grant;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** The request bodies of the kubesys API (unknown fields are ignored, as the old backend did) and their parsing. */
final class KubesysRequests {
  static final ObjectMapper JSON = strict(new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
      .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true)
      .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true));

  /** A grant's read/write must be JSON booleans: -1 or "yes" would otherwise quietly become true. */
  private static ObjectMapper strict(ObjectMapper mapper) {
    mapper.coercionConfigFor(LogicalType.Boolean)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
    return mapper;
  }

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
      throw KubesysException.badRequest(RequestBodies.describe(e));
    }
    if (node == null || !node.isObject()) {
      throw KubesysException.badRequest("the request body must be a JSON object");
    }
    try {
      return JSON.treeToValue(node, type);
    } catch (JsonProcessingException e) {
      throw KubesysException.badRequest(RequestBodies.describe(e));
    } catch (IllegalArgumentException e) {
      // a record's own check (e.g. a null grant in a role)
      throw KubesysException.badRequest(e.getMessage());
    }
  }

  /** A required, non-blank string field. */
  static String required(String field, String value) {
    if (value == null || value.isBlank()) {
      throw KubesysException.badRequest(field + " is required");
    }
    return value;
  }

  /**
   * Decodes a base64 password; 400 if it is missing, not base64, or not UTF-8 (replacing bad bytes would let
   * different byte strings stand for the same password).
   */
  static String base64Password(String field, String value) {
    required(field, value);
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(value.strip());
    } catch (IllegalArgumentException e) {
      throw KubesysException.badRequest(field + " must be base64 (of the password's UTF-8 bytes)");
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw KubesysException.badRequest(field + " must be base64 of UTF-8 text");
    }
  }
}
