package dev.facta.examples.oms.api.rest;

import dev.facta.examples.oms.api.ApiFailure;
import dev.facta.examples.oms.api.ApiRefusal;
import dev.facta.examples.oms.api.RequestHeaders;
import dev.facta.examples.oms.app.OrderManagement;
import dev.facta.examples.oms.app.OrderView;
import dev.facta.examples.oms.app.RequestContext;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.Objects;

/**
 * The order management service's REST/JSON API on Javalin, a thin mapping onto {@link OrderManagement}:
 *
 * <table>
 * <caption>Routes</caption>
 * <tr><th>request</th><th>success</th></tr>
 * <tr><td>{@code POST /orders} {@code {"orderId"?, "customerId", "currency", "lines": [{"sku", "quantity", "unitPrice"}], "payment"?: {"method"?, "token"}}}</td><td>201 the order, {@code Location: /orders/{id}}</td></tr>
 * <tr><td>{@code GET /orders/{id}}</td><td>200 the order</td></tr>
 * <tr><td>{@code POST /orders/{id}/pay} {@code {"method"?, "token"}}</td><td>202 the order</td></tr>
 * <tr><td>{@code POST /orders/{id}/cancel} {@code {"reason"?}}</td><td>202 the order</td></tr>
 * <tr><td>{@code POST /orders/{id}/refund} {@code {"reason"?}}</td><td>202 the order</td></tr>
 * <tr><td>{@code GET /orders/{id}/timeline}</td><td>200 {@code {"orderId", "entries": [...]}}</td></tr>
 * <tr><td>{@code GET /customers/{id}/orders?limit=20&after=}</td><td>200 {@code {"customerId", "orders": [...], "next"}}</td></tr>
 * <tr><td>{@code GET /stock/{sku}}</td><td>200 {@code {"sku", "available", "reserved", "committed"}}</td></tr>
 * <tr><td>{@code POST /stock/{sku}} {@code {"quantity"}}</td><td>200 the stock</td></tr>
 * </table>
 *
 * <p>Every mutating request ({@code POST}) needs an {@value #IDEMPOTENCY_KEY} header (1-200 characters): a request
 * repeated with the same key answers as the first did and changes nothing more; without one it is refused with 400.
 * {@value #CORRELATION_ID} is taken from the request (a new one is made when missing), passed to the use cases, so
 * it is in every event the request causes, and echoed in the response.
 *
 * <p>Errors are {@code {"error": code, "message": ..., "field"?: ...}}, as Facta's server answers them: 400
 * {@code bad_request} (malformed request; {@code field} names the part), 404 {@code order_not_found} or
 * {@code not_found} (no such route), 405 {@code method_not_allowed}, 409 {@code rule_violation} (the order's state
 * does not allow it) or {@code concurrent_update} (retry), 413 {@code too_large}, 500 {@code internal_error} (the
 * log has the details; never a stack trace). A refused request has changed nothing.
 */
public final class OrderRestApi {
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    public static final String CORRELATION_ID = "X-Correlation-Id";
    /** The request attribute holding the request's correlation id (for the request log). */
    public static final String CORRELATION_ATTRIBUTE = "oms.correlationId";
    static final int DEFAULT_PAGE = 20;
    static final int MAX_PAGE = 100;

    private static final System.Logger LOG = System.getLogger(OrderRestApi.class.getName());

    private final OrderManagement oms;
    private final RestJson json = new RestJson();

    public OrderRestApi(OrderManagement oms) {
        this.oms = Objects.requireNonNull(oms, "oms");
    }

    /** The largest request body the API reads; set it as Javalin's {@code http.maxRequestSize}. */
    public static long maxRequestBytes() {
        return RestJson.MAX_BODY_BYTES;
    }

    /** Adds the routes, the correlation id handling and the error mapping. */
    public void install(RoutesConfig routes) {
        routes.before(this::correlate);
        routes.post("/orders", this::placeOrder);
        routes.get("/orders/{id}", ctx -> respond(ctx, 200, json.order(oms.getOrder(ctx.pathParam("id")))));
        routes.post("/orders/{id}/pay", this::pay);
        routes.post("/orders/{id}/cancel", this::cancel);
        routes.post("/orders/{id}/refund", this::refund);
        routes.get("/orders/{id}/timeline", ctx -> {
            String id = ctx.pathParam("id");
            respond(ctx, 200, json.timeline(id, oms.timeline(id)));
        });
        routes.get("/customers/{id}/orders", this::customerOrders);
        routes.get("/stock/{sku}", ctx -> respond(ctx, 200, json.stock(oms.stock(ctx.pathParam("sku")))));
        routes.post("/stock/{sku}", this::restock);
        routes.exception(HttpResponseException.class, (e, ctx) -> fromJavalin(e, ctx));
        routes.exception(Exception.class, (e, ctx) -> {
            ApiFailure failure = ApiFailure.of(e);
            if (failure.kind() == ApiFailure.Kind.INTERNAL) {
                LOG.log(System.Logger.Level.ERROR, "request " + ctx.method() + " " + ctx.path() + " failed, correlation={0}",
                        new Object[]{correlationId(ctx)}, e);
            }
            fail(ctx, status(failure), failure);
        });
    }

    /** The request's correlation id (set before every route). */
    public static String correlationId(Context ctx) {
        Object id = ctx.attribute(CORRELATION_ATTRIBUTE);
        return id == null ? null : id.toString();
    }

    private void correlate(Context ctx) {
        String id;
        try {
            id = RequestHeaders.correlationId(ctx.header(CORRELATION_ID), CORRELATION_ID);
        } catch (ApiRefusal refusal) {
            // the request is refused, but its log line and response still carry an id
            id = RequestHeaders.correlationId(null, CORRELATION_ID);
            ctx.attribute(CORRELATION_ATTRIBUTE, id);
            ctx.header(CORRELATION_ID, id);
            throw refusal;
        }
        ctx.attribute(CORRELATION_ATTRIBUTE, id);
        ctx.header(CORRELATION_ID, id);
    }

    private RequestContext mutation(Context ctx) {
        return RequestHeaders.mutation(ctx.header(IDEMPOTENCY_KEY), IDEMPOTENCY_KEY, correlationId(ctx));
    }

    private void placeOrder(Context ctx) {
        RequestContext rc = mutation(ctx);
        OrderView order = oms.placeOrder(json.placeOrder(json.object(ctx.bodyAsBytes(), false)), rc);
        ctx.header("Location", "/orders/" + order.orderId());
        respond(ctx, 201, json.order(order));
    }

    private void pay(Context ctx) {
        RequestContext rc = mutation(ctx);
        ObjectNode body = json.object(ctx.bodyAsBytes(), false);
        respond(ctx, 202, json.order(oms.payOrder(ctx.pathParam("id"), json.payment(body, ""), rc)));
    }

    private void cancel(Context ctx) {
        RequestContext rc = mutation(ctx);
        String reason = json.reason(json.object(ctx.bodyAsBytes(), true));
        respond(ctx, 202, json.order(oms.cancelOrder(ctx.pathParam("id"), reason, rc)));
    }

    private void refund(Context ctx) {
        RequestContext rc = mutation(ctx);
        String reason = json.reason(json.object(ctx.bodyAsBytes(), true));
        respond(ctx, 202, json.order(oms.refundOrder(ctx.pathParam("id"), reason, rc)));
    }

    private void restock(Context ctx) {
        RequestContext rc = mutation(ctx);
        int quantity = json.restockQuantity(json.object(ctx.bodyAsBytes(), false));
        respond(ctx, 200, json.stock(oms.restock(ctx.pathParam("sku"), quantity, rc)));
    }

    private void customerOrders(Context ctx) {
        int limit = DEFAULT_PAGE;
        String text = ctx.queryParam("limit");
        if (text != null) {
            try {
                limit = Integer.parseInt(text.strip());
            } catch (NumberFormatException e) {
                throw RestJson.refuse("limit", "limit must be a whole number from 1 to " + MAX_PAGE + ": '" + text + "'");
            }
            if (limit < 1 || limit > MAX_PAGE) throw RestJson.refuse("limit", "limit must be from 1 to " + MAX_PAGE + ": " + limit);
        }
        String after = ctx.queryParam("after");
        if (after != null && after.isEmpty()) after = null;
        respond(ctx, 200, json.customerOrders(oms.ordersOf(ctx.pathParam("id"), limit, after)));
    }

    private void respond(Context ctx, int status, JsonNode body) {
        ctx.status(status);
        ctx.contentType("application/json");
        ctx.result(json.bytes(body));
    }

    private void fail(Context ctx, int status, ApiFailure failure) {
        if (ctx.res().isCommitted()) return;
        respond(ctx, status, json.error(failure));
    }

    /** The HTTP status of a refusal. */
    public static int status(ApiFailure failure) {
        return switch (failure.kind()) {
            case INVALID -> 400;
            case NOT_FOUND -> 404;
            case RULE, CONFLICT -> 409;
            case INTERNAL -> 500;
        };
    }

    /** Javalin's own refusals (no route, wrong method, body too large) in the API's error shape. */
    private void fromJavalin(HttpResponseException e, Context ctx) {
        switch (e.getStatus()) {
            case 404 -> fail(ctx, 404, new ApiFailure(ApiFailure.Kind.NOT_FOUND, "not_found", "no route for " + ctx.method() + " " + ctx.path(), null));
            case 405 -> fail(ctx, 405, new ApiFailure(ApiFailure.Kind.INVALID, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path(), null));
            case 413 -> fail(ctx, 413, new ApiFailure(ApiFailure.Kind.INVALID, "too_large", "the request body is larger than " + RestJson.MAX_BODY_BYTES + " bytes", "body"));
            default -> {
                int s = e.getStatus() >= 400 && e.getStatus() <= 599 ? e.getStatus() : 500;
                fail(ctx, s, s < 500 ? ApiFailure.invalid(null, e.getMessage() == null || e.getMessage().isBlank() ? "bad request" : e.getMessage())
                        : ApiFailure.internal());
            }
        }
    }
}
