package dev.facta.examples.oms.contracts.orders;

import java.math.BigDecimal;

/** One line of an order: {@code quantity} units of {@code sku} at {@code unitPrice} each. */
public record OrderLine(String sku, int quantity, BigDecimal unitPrice) {

    /** quantity x unit price. */
    public BigDecimal amount() {
        return unitPrice.multiply(BigDecimal.valueOf(quantity));
    }
}
