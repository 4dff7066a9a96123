package io.kubebackend.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.RunningBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** Every route the running backend registers is described in openapi.yaml, and the spec is served. */
class OpenApiCoverageIT {

  @Test
  void everyRouteIsDescribed() throws Exception {
    JsonNode spec = OpenApiRoutes.spec();
    try (RunningBackend kb = RunningBackend.start(Dialect.SQLITE)) {
      List<String> missing = new ArrayList<>();
      for (String route : kb.backend().routes()) {
        String method = route.substring(0, route.indexOf(' ')).toLowerCase(Locale.ROOT);
        String path = route.substring(route.indexOf(' ') + 1);
        if (path.contains("<path>") || method.equals("options")) {
          continue; // catch-alls that only answer "no such endpoint", and CORS pre-flight
        }
        if (!spec.path("paths").path(path).has(method)) {
          missing.add(route);
        }
      }
      assertTrue(missing.isEmpty(), "routes missing from openapi.yaml: " + missing);
      assertTrue(kb.backend().routes().size() > 40, "routes were recorded: " + kb.backend().routes().size());

      var json = kb.get("/openapi.json");
      assertEquals(200, json.statusCode());
      assertTrue(json.body().contains("\"/api/v1/query\""));
      var page = kb.get("/docs");
      assertEquals(200, page.statusCode());
      assertTrue(page.body().contains("swagger-ui-bundle.js"));
      String bundle = page.body().replaceAll("(?s).*src=\"([^\"]+swagger-ui-bundle.js)\".*", "$1");
      assertEquals(200, kb.get(bundle).statusCode(), "Swagger UI is served from the jar: " + bundle);
    }
  }
}
