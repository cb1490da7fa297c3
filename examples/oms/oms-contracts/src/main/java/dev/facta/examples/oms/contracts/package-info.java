/**
 * The messages the order management service's three contexts exchange: for each context, its
 * commands and its events as records under one sealed interface ({@code orders}, {@code inventory},
 * {@code payment}). Inventory and payment never call orders: the checkout saga reads their events
 * from the log and sends them commands through the command bus.
 */
package dev.facta.examples.oms.contracts;
