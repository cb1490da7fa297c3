package dev.facta.examples.home.api;

import dev.facta.runtime.ServiceKey;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the devices plugin offers: devices as maps of attributes plus their {@code id} and {@code version}. */
public interface DeviceService {
    ServiceKey<DeviceService> KEY = ServiceKey.of("devices", DeviceService.class);

    List<Map<String, Object>> list();

    Optional<Map<String, Object>> get(String id);

    /**
     * Sets attributes of a known device and returns its new state.
     *
     * @throws java.util.NoSuchElementException no such device
     * @throws dev.facta.InvalidInputException  an attribute it does not have, or of the wrong kind
     */
    Map<String, Object> set(String id, Map<String, Object> attributes);
}
