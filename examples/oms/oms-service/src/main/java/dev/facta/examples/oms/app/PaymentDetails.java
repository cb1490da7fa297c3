package dev.facta.examples.oms.app;

/**
 * How the customer pays. The simulated card gateway behaves by token, like a payment provider's test cards:
 * {@code tok_visa} (and any other token) succeeds, {@code tok_decline} is declined, {@code tok_timeout} never
 * answers (so the saga's payment deadline fires). A null or blank {@code method} is {@code card}.
 */
public record PaymentDetails(String method, String token) {
    public static final String DECLINE = "tok_decline";
    public static final String TIMEOUT = "tok_timeout";
}
