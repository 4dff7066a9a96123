package io.kubebackend.api;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.mirror.ClusterMirror;
import io.kubebackend.mirror.RuntimeMirror;
import io.kubebackend.query.InvalidQueryException;
import io.kubebackend.query.QueryCatalog;
import io.kubebackend.query.QueryParser;
import io.kubebackend.query.QueryService;
import io.kubebackend.query.ReadScope;
import io.kubebackend.store.Database;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;

/**
 * The cross-cluster query API, answered from the database (syntax in README.md, "Query API"):
 * {@code GET /api/v1/query} lists objects as a Kubernetes {@code List}, {@code GET /api/v1/aggregate} counts them
 * by group. A malformed or unknown parameter is a 400 naming the problem.
 *
 * <p>No auth here: {@code scopeOf} tells what the caller of a request may read (everything, until auth is put in
 * front of {@code /api/v1}); its conditions become part of the SQL.
 */
public final class QueryRoutes implements Routes {
  private final QueryService service;
  private final QueryParser parser;
  private final Function<Context, ReadScope> scopeOf;

  public QueryRoutes(QueryService service, QueryCatalog catalog, Function<Context, ReadScope> scopeOf) {
    this.service = service;
    this.parser = new QueryParser(catalog);
    this.scopeOf = scopeOf;
  }

  /** The clusters and resources of a running mirror, for checking the names a query uses. */
  public static QueryCatalog catalog(RuntimeMirror mirror) {
    return new QueryCatalog() {
      @Override
      public Collection<String> clusters() {
        return mirror.clusters().stream().map(ClusterMirror::clusterId).toList();
      }

      @Override
      public List<ResourceType> resources(String cluster) {
        return mirror.get(cluster).map(ClusterMirror::resources).orElse(List.of());
      }
    };
  }

  @Override
  public void register(Javalin app) {
    app.get("/api/v1/query", badRequestOnInvalid(ctx -> {
      var query = parser.list(ctx.queryParamMap());
      ReadScope scope = scopeOf.apply(ctx);
      ctx.contentType("application/json");
      service.list(query, scope, ctx.outputStream());
    }));
    app.get("/api/v1/aggregate", badRequestOnInvalid(ctx -> {
      var aggregation = parser.aggregate(ctx.queryParamMap());
      ctx.json(service.aggregate(aggregation, scopeOf.apply(ctx)));
    }));
  }

  private static Handler badRequestOnInvalid(Handler h) {
    return ctx -> {
      try {
        h.handle(ctx);
      } catch (InvalidQueryException e) {
        throw ApiException.badRequest(e.getMessage());
      }
    };
  }
}
