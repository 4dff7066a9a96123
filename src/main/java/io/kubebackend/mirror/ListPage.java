package io.kubebackend.mirror;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;

/**
 * Reads one LIST page (a {@code *List} object) as a stream: its {@code metadata} (the list's resourceVersion and
 * continue token) and each item through {@link ObjectShaper#read}, one at a time, so a page is never held as
 * objects. The apiserver writes the list's metadata before its items, so the continue token is known, and the next
 * page can be asked for, before the first item is read.
 */
final class ListPage {
  private ListPage() {}

  /** The list's own metadata. */
  record Meta(String resourceVersion, String continueToken) {
    boolean last() {
      return continueToken == null || continueToken.isEmpty();
    }
  }

  /** Receives the page as it is read. */
  interface Reader {
    /** The list's metadata, as soon as it has been read. */
    void meta(Meta meta);

    /** An item that {@code unchanged} did not skip. */
    void item(ObjectShaper.Shaped item) throws InterruptedException;
  }

  /**
   * Reads {@code body}, calling {@code reader} for the metadata and each item not skipped; returns the metadata.
   * A body that is not a list of objects throws a {@link KubernetesClientException}, as a failed request does: the
   * sync lists again after its backoff.
   */
  static Meta read(byte[] body, ObjectShaper shaper, ObjectShaper.Unchanged unchanged, Reader reader)
      throws InterruptedException {
    Meta meta = null;
    try (JsonParser p = ObjectShaper.JSON.getFactory().createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("a LIST answer that is not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("metadata") && value == JsonToken.START_OBJECT) {
          meta = meta(p);
          reader.meta(meta);
        } else if (field.equals("items") && value == JsonToken.START_ARRAY) {
          while (p.nextToken() == JsonToken.START_OBJECT) {
            ObjectShaper.Shaped item = shaper.read(p, unchanged);
            if (item != null) {
              reader.item(item);
            }
          }
          if (p.currentToken() != JsonToken.END_ARRAY) {
            throw new IllegalArgumentException("a LIST item that is not a JSON object");
          }
        } else {
          p.skipChildren();
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      // Not the parser's message: it quotes the input, which may be a Secret's.
      String at = e instanceof JsonProcessingException j && j.getLocation() != null
          ? " at byte " + j.getLocation().getByteOffset() : "";
      throw new KubernetesClientException("an unreadable LIST answer" + at
          + (e instanceof IllegalArgumentException ? ": " + e.getMessage() : ""));
    }
    if (meta == null) {
      throw new KubernetesClientException("a LIST answer without metadata");
    }
    return meta;
  }

  private static Meta meta(JsonParser p) throws IOException {
    String resourceVersion = null;
    String cont = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      if (value == JsonToken.VALUE_STRING && field.equals("resourceVersion")) {
        resourceVersion = p.getText();
      } else if (value == JsonToken.VALUE_STRING && field.equals("continue")) {
        cont = p.getText();
      } else {
        p.skipChildren();
      }
    }
    return new Meta(resourceVersion, cont);
  }
}
