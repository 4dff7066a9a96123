package io.kubebackend.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Where a page ended: the last row's sort values and primary key, and a hash of the query it belongs to. The next
 * page starts strictly after that position (keyset pagination), so rows created or deleted meanwhile never shift
 * the pages: an object that exists throughout, with unchanged sort values, is returned exactly once.
 *
 * <p>Opaque to clients: base64url of {@code {"q": hash, "v": [sort values..., cluster, group, resource,
 * namespace, name]}}. It is not a secret: a forged token only moves the start position, because its values are
 * bound as SQL parameters like every other value. The hash makes a token unusable with a different filter or sort
 * (the page size and the returned fields may change between pages).
 *
 * @param queryHash {@link #hashOf} of the query
 * @param values    one per sort key (a Long for numeric keys, else a String), then the five key columns
 */
public record ContinueToken(String queryHash, List<Object> values) {
  static final int KEY_COLUMNS = 5;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_LENGTH = 16_384;

  public ContinueToken {
    values = List.copyOf(values);
  }

  /** A short, stable hash of what decides the order and membership of a query's rows. */
  public static String hashOf(ObjectFilter filter, List<SortKey> sort) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest((filter + "\n" + sort).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 12));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public String encode() {
    ObjectNode root = JSON.createObjectNode();
    root.put("q", queryHash);
    ArrayNode v = root.putArray("v");
    for (Object o : values) {
      if (o instanceof Long l) {
        v.add(l);
      } else {
        v.add((String) o);
      }
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(root.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Decodes a token given back by a client and checks that it belongs to this query; throws
   * {@link InvalidQueryException} if it is malformed or from another query.
   */
  public static ContinueToken decode(String token, ObjectFilter filter, List<SortKey> sort) {
    if (token.length() > MAX_LENGTH) {
      throw invalid("too long");
    }
    JsonNode root;
    try {
      root = JSON.readTree(Base64.getUrlDecoder().decode(token));
    } catch (IllegalArgumentException | IOException e) {
      throw invalid("not a token this server issued");
    }
    if (root == null || !root.path("q").isTextual() || !root.path("v").isArray()) {
      throw invalid("not a token this server issued");
    }
    if (!root.get("q").asText().equals(hashOf(filter, sort))) {
      throw new InvalidQueryException("the continue token belongs to a different query (filters and sort must "
          + "stay the same from page to page)");
    }
    JsonNode v = root.get("v");
    if (v.size() != sort.size() + KEY_COLUMNS) {
      throw invalid("wrong number of values");
    }
    List<Object> values = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      boolean numeric = i < sort.size() && sort.get(i).source().numeric();
      JsonNode n = v.get(i);
      if (numeric ? !n.canConvertToLong() || !n.isIntegralNumber() : !n.isTextual()) {
        throw invalid("value " + i + " has the wrong type");
      }
      values.add(numeric ? (Object) n.asLong() : n.asText());
    }
    return new ContinueToken(root.get("q").asText(), values);
  }

  private static InvalidQueryException invalid(String why) {
    return new InvalidQueryException("invalid continue token: " + why);
  }
}
