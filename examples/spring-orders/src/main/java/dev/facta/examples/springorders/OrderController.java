package dev.facta.examples.springorders;

import dev.facta.InvalidInputException;
import dev.facta.aggregate.DomainRuleViolation;
import dev.facta.command.CommandBus;
import dev.facta.query.QueryBus;
import dev.facta.store.StreamNotFoundException;
import dev.facta.store.WrongExpectedVersionException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The orders' HTTP API: commands go through the command bus, reads through the query bus. */
@RestController
public class OrderController {
    private final CommandBus commands;
    private final QueryBus queries;

    public OrderController(CommandBus commands, QueryBus queries) {
        this.commands = commands;
        this.queries = queries;
    }

    /** The body of {@code POST /orders}. */
    public record PlaceOrderRequest(String orderId, String customer, long totalCents) {
    }

    @PostMapping("/orders")
    public ResponseEntity<Map<String, String>> place(@RequestBody PlaceOrderRequest request) {
        String id = commands.dispatch(new OrderCommand.PlaceOrder(request.orderId(), request.customer(), request.totalCents()));
        return ResponseEntity.status(HttpStatus.CREATED).body(Map.of("orderId", id));
    }

    @PostMapping("/orders/{id}/ship")
    public Map<String, String> ship(@PathVariable String id) {
        String shipped = commands.dispatch(new OrderCommand.ShipOrder(id));
        return Map.of("orderId", shipped);
    }

    @GetMapping("/orders/{id}")
    public ResponseEntity<OrderSummary> get(@PathVariable String id) {
        Optional<OrderSummary> found = queries.query(new OrderQuery.FindOrder(id));
        return ResponseEntity.of(found);
    }

    @GetMapping("/orders")
    public List<OrderSummary> ofCustomer(@RequestParam String customer) {
        return queries.query(new OrderQuery.OrdersOfCustomer(customer));
    }

    @ExceptionHandler(InvalidInputException.class)
    public ResponseEntity<Map<String, String>> badRequest(InvalidInputException e) {
        return error(HttpStatus.BAD_REQUEST, "bad_request", e.getMessage());
    }

    @ExceptionHandler({WrongExpectedVersionException.class, DomainRuleViolation.class})
    public ResponseEntity<Map<String, String>> conflict(RuntimeException e) {
        return error(HttpStatus.CONFLICT, "conflict", e.getMessage());
    }

    @ExceptionHandler(StreamNotFoundException.class)
    public ResponseEntity<Map<String, String>> notFound(StreamNotFoundException e) {
        return error(HttpStatus.NOT_FOUND, "not_found", e.getMessage());
    }

    private static ResponseEntity<Map<String, String>> error(HttpStatus status, String code, String message) {
        return ResponseEntity.status(status).body(Map.of("error", code, "message", String.valueOf(message)));
    }
}
