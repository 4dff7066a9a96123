package io.kubebackend.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.javalin.Javalin;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The OpenAPI description of every endpoint ({@code /openapi.yaml}, {@code /openapi.json}) and a rendered page
 * of it ({@code /docs}, Swagger UI served from its webjar, so nothing is fetched from the internet).
 */
public final class OpenApiRoutes implements Routes {
  static final String SPEC_RESOURCE = "/openapi.yaml";
  private static final String SWAGGER_UI = "/webjars/swagger-ui/5.34.1";

  private final String yaml;
  private final String json;

  public OpenApiRoutes() {
    this.yaml = specYaml();
    try {
      this.json = new ObjectMapper().writeValueAsString(spec());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The spec as shipped in the jar. */
  public static String specYaml() {
    try (InputStream in = OpenApiRoutes.class.getResourceAsStream(SPEC_RESOURCE)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static JsonNode spec() throws IOException {
    return new ObjectMapper(new YAMLFactory()).readTree(specYaml());
  }

  @Override
  public void register(Javalin app) {
    app.get("/openapi.yaml", ctx -> ctx.contentType("application/yaml").result(yaml));
    app.get("/openapi.json", ctx -> ctx.contentType("application/json").result(json));
    app.get("/docs", ctx -> ctx.html("""
        <!doctype html>
        <html><head><meta charset="utf-8"><title>kube-backend API</title>
        <link rel="stylesheet" href="%1$s/swagger-ui.css"></head>
        <body><div id="ui"></div>
        <script src="%1$s/swagger-ui-bundle.js"></script>
        <script>SwaggerUIBundle({url: "/openapi.json", dom_id: "#ui"});</script>
        </body></html>""".formatted(SWAGGER_UI)));
  }
}
