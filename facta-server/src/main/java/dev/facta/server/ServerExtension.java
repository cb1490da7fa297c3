package dev.facta.server;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * Adds routes to a {@link FactaServer} (GraphQL, an application's endpoints) that keep the server's
 * promises: the same auth, tenants, rights, limits and error format as the built-in routes. Register
 * one with {@link FactaServer.Builder#extension}; {@link #install} runs once when the server starts,
 * {@link #close} when it closes.
 */
public interface ServerExtension extends AutoCloseable {
    /**
     * Registers the extension's routes (HTTP and WebSocket). HTTP routes pass the server's guard
     * first (auth, body size, shutdown); a WebSocket route authenticates in its upgrade handler
     * through {@link Host#context}.
     */
    void install(RoutesConfig routes, Host host);

    /**
     * Describes the extension's routes in the server's OpenAPI document ({@code GET /openapi.json}):
     * add path items to {@code paths} under their OpenAPI paths ({@code /graphql}, {@code {param}}
     * syntax), referring to the document's shared components where they fit
     * ({@code #/components/responses/Unauthorized}, {@code #/components/schemas/Error}). A route left
     * undescribed is listed with a plain entry. The default adds nothing.
     */
    default void describe(tools.jackson.databind.node.ObjectNode paths) {
    }

    /**
     * Called once when the server starts shutting down, while connections are still open (as live
     * subscriptions get their {@code shutdown} event): end long-lived connections here, with a last
     * message, within the server's shutdown timeout. The default does nothing.
     */
    default void shutdown() {
    }

    /** Called once when the server closes, after its routes stopped taking requests. */
    @Override
    default void close() {
    }

    /** What the server offers its extensions. */
    interface Host {
        /**
         * The request's scope: its tenant's stores seen through the caller's rights (reads skip and
         * writes refuse what the caller may not touch), the projection store, the JSON mapper, the
         * metrics registry and the caller's {@link Access}. Authenticates the request on first use.
         *
         * @throws ApiException 401 without a valid token, 400 {@code tenant_required}, 403
         *                      {@code forbidden}, 404 {@code tenant_not_found}
         */
        ServerContext context(Context ctx);

        /**
         * The scope of a caller that presents its credentials outside an HTTP request, such as in the
         * first message of a WebSocket connection: the bearer token (null: none, which only a server
         * without tokens accepts) and the tenant (null: the token's only tenant), checked exactly as
         * the {@code Authorization} and {@value FactaServer#TENANT_HEADER} headers of a request that
         * reads would be.
         *
         * @throws ApiException as {@link #context(Context)}
         */
        ServerContext context(String bearerToken, String tenant);

        /** The request's tenant, or null on a server for one store. */
        String tenant(Context ctx);

        /** Whether the request's caller may use the admin API (always on a server without tokens). */
        boolean admin(Context ctx);

        /**
         * Runs the listener after every change of the access tokens (a revocation, a narrowed grant),
         * so that live connections can check their caller's rights again; close the handle to stop.
         */
        AutoCloseable onAccessChange(Runnable listener);

        /** Whether the server is shutting down (long-lived connections should end). */
        boolean closing();
    }
}
