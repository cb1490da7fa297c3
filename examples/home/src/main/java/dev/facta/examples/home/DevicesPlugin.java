package dev.facta.examples.home;

import dev.facta.InvalidInputException;
import dev.facta.examples.home.api.DeviceService;
import dev.facta.runtime.Plugin;
import dev.facta.runtime.PluginContext;
import dev.facta.runtime.state.EntityState;
import dev.facta.runtime.state.StateEngine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * Keeps the state of the home's devices in the runtime's state engine, so every change is stored,
 * survives restarts and is published as {@code devices.state_changed}. The devices and their
 * initial attributes come from the setting {@code devices}; a device only takes attributes it has,
 * with a value of the same kind.
 */
public final class DevicesPlugin implements Plugin {

    @Override
    public String id() {
        return "devices";
    }

    @Override
    public String version() {
        return "1.0.0";
    }

    @Override
    public void start(PluginContext context) {
        StateEngine state = context.state();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> seeds = (Map<String, Map<String, Object>>) context.settings().getOrDefault("devices", Map.of());
        for (var d : seeds.entrySet()) {
            if (state.get(d.getKey()).isEmpty()) state.replace(d.getKey(), d.getValue());
        }
        context.services().register(DeviceService.KEY, new DeviceService() {
            @Override
            public List<Map<String, Object>> list() {
                return state.all().stream().map(DevicesPlugin::view).toList();
            }

            @Override
            public Optional<Map<String, Object>> get(String id) {
                return state.get(id).map(DevicesPlugin::view);
            }

            @Override
            public Map<String, Object> set(String id, Map<String, Object> attributes) {
                EntityState current = state.get(id).orElseThrow(() -> new NoSuchElementException("no device " + id));
                for (var a : attributes.entrySet()) {
                    Object old = current.get(a.getKey());
                    if (old == null) throw new InvalidInputException(a.getKey(), "device " + id + " has no attribute " + a.getKey());
                    if (a.getValue() == null || !sameKind(old, a.getValue())) {
                        throw new InvalidInputException(a.getKey(), "attribute " + a.getKey() + " of " + id + " takes a " + kind(old));
                    }
                }
                return view(state.update(id, attributes));
            }
        });
    }

    private static boolean sameKind(Object a, Object b) {
        return kind(a).equals(kind(b));
    }

    private static String kind(Object v) {
        return v instanceof Boolean ? "boolean" : v instanceof Number ? "number" : v instanceof String ? "text" : "value";
    }

    private static Map<String, Object> view(EntityState s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("version", s.version());
        m.putAll(s.attributes());
        return m;
    }
}
