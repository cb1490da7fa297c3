package dev.facta.graphql;

import dev.facta.InvalidInputException;
import tools.jackson.databind.JsonNode;

import java.util.Map;

/**
 * One GraphQL request as the GraphQL-over-HTTP and graphql-transport-ws specifications shape it:
 * {@code {"query", "operationName"?, "variables"?, "extensions"?}}.
 */
record GraphQlRequest(String query, String operationName, Map<String, Object> variables) {

    /** From a POST body. */
    static GraphQlRequest fromBody(String body, GraphQlLimits limits) {
        if (body == null || body.isBlank()) throw new InvalidInputException("body", "the body must be a JSON object with a query");
        return fromJson(GraphQlExtension.readTree(body), limits);
    }

    /** From a JSON object (a POST body or a subscribe message's payload). */
    static GraphQlRequest fromJson(JsonNode node, GraphQlLimits limits) {
        if (node == null || !node.isObject()) {
            throw new InvalidInputException("body", "a GraphQL request is a JSON object with a query (batches are not served)");
        }
        JsonNode query = node.get("query");
        if (query == null || !query.isString()) throw new InvalidInputException("query", "query must be a string");
        JsonNode name = node.get("operationName");
        if (name != null && !name.isNull() && !name.isString()) throw new InvalidInputException("operationName", "operationName must be a string");
        JsonNode variables = node.get("variables");
        if (variables != null && !variables.isNull() && !variables.isObject()) {
            throw new InvalidInputException("variables", "variables must be a JSON object");
        }
        return of(query.asString(), name == null || name.isNull() ? null : name.asString(),
                variables == null || variables.isNull() ? Map.of() : variables(variables), limits);
    }

    /** From a GET request's parameters ({@code variables} as JSON text). */
    static GraphQlRequest fromParameters(String query, String variables, String operationName, GraphQlLimits limits) {
        if (query == null) throw new InvalidInputException("query", "the query parameter is missing");
        Map<String, Object> vars = Map.of();
        if (variables != null && !variables.isBlank()) {
            JsonNode node = GraphQlExtension.readTree(variables);
            if (!node.isObject()) throw new InvalidInputException("variables", "variables must be a JSON object");
            vars = variables(node);
        }
        return of(query, operationName, vars, limits);
    }

    private static GraphQlRequest of(String query, String operationName, Map<String, Object> variables, GraphQlLimits limits) {
        if (query.isBlank()) throw new InvalidInputException("query", "query is empty");
        if (query.length() > limits.maxQueryChars()) {
            throw new InvalidInputException("query", "the query has " + query.length() + " characters, more than the limit of "
                    + limits.maxQueryChars());
        }
        return new GraphQlRequest(query, operationName, variables);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> variables(JsonNode node) {
        return GraphQlExtension.JSON.convertValue(node, Map.class);
    }
}
