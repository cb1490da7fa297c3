/**
 * The order management service's APIs: {@link dev.facta.examples.oms.api.rest REST/JSON} and
 * {@link dev.facta.examples.oms.api.grpc gRPC}, both thin mappings onto
 * {@link dev.facta.examples.oms.app.OrderManagement}, sharing the error classification ({@link
 * dev.facta.examples.oms.api.ApiFailure}) and the header rules ({@link dev.facta.examples.oms.api.RequestHeaders}).
 */
package dev.facta.examples.oms.api;
