package dev.facta.examples.home;

import dev.facta.examples.home.api.DeviceService;
import dev.facta.examples.home.api.LogService;
import dev.facta.runtime.Plugin;
import dev.facta.runtime.PluginContext;
import dev.facta.runtime.PluginEvent;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Rules from the setting {@code rules}: when a device's attribute takes a value
 * ({@code when: {device, attribute, equals}}), set attributes of a device
 * ({@code then: {device, set: {...}}}) through the devices service, announce
 * {@code automation.rule_fired} and tell the logger.
 */
public final class AutomationPlugin implements Plugin {
    private record Rule(String name, String device, String attribute, Object equals, String target, Map<String, Object> set) {
    }

    private List<Rule> rules = List.of();

    @Override
    public String id() {
        return "automation";
    }

    @Override
    public String version() {
        return "1.0.0";
    }

    @Override
    public Set<String> dependencies() {
        return Set.of("devices", "system-logger");
    }

    @Override
    public void start(PluginContext context) {
        rules = parse(context.settings().getOrDefault("rules", List.of()));
        context.events().subscribe("devices.state_changed", e -> react(context, e));
    }

    @SuppressWarnings("unchecked")
    private static List<Rule> parse(Object setting) {
        return ((List<Map<String, Object>>) setting).stream().map(r -> {
            Map<String, Object> when = (Map<String, Object>) r.get("when");
            Map<String, Object> then = (Map<String, Object>) r.get("then");
            return new Rule(String.valueOf(r.getOrDefault("name", when.get("device") + " -> " + then.get("device"))),
                    (String) when.get("device"), (String) when.get("attribute"), when.get("equals"),
                    (String) then.get("device"), (Map<String, Object>) then.get("set"));
        }).toList();
    }

    private void react(PluginContext context, PluginEvent e) {
        String device = e.string("entity");
        @SuppressWarnings("unchecked")
        Map<String, Object> before = (Map<String, Object>) e.data().get("before");
        @SuppressWarnings("unchecked")
        Map<String, Object> after = (Map<String, Object>) e.data().get("after");
        if (after == null) return;
        for (Rule r : rules) {
            if (!r.device().equals(device)) continue;
            Object now = after.get(r.attribute());
            boolean becameTrue = Objects.equals(now, r.equals()) && (before == null || !Objects.equals(before.get(r.attribute()), r.equals()));
            if (!becameTrue) continue;
            Map<String, Object> result = context.services().call(DeviceService.KEY, d -> d.set(r.target(), r.set()));
            Map<String, Object> fired = new LinkedHashMap<>();
            fired.put("rule", r.name());
            fired.put("trigger", device);
            fired.put("target", r.target());
            fired.put("version", result.get("version"));
            context.events().publish("automation.rule_fired", fired);
            context.services().call(LogService.KEY, l -> {
                l.log("automation", "rule '" + r.name() + "' set " + r.target() + " to " + r.set());
                return null;
            });
        }
    }
}
