package com.example.leaky;

import dev.facta.runtime.Plugin;
import dev.facta.runtime.PluginContext;
import dev.facta.runtime.ServiceKey;

import java.util.Map;

/** Compiled into a jar at test time: a plugin with a service, a subscription, state and a big static. */
public final class LeakyPlugin implements Plugin {
    /** Keeps 8 MB alive for as long as this class is: a leaked class loader shows in the heap. */
    static final byte[] BALLAST = new byte[8 << 20];

    @Override
    public String id() {
        return "leaky";
    }

    @Override
    public String version() {
        return "1.2.3";
    }

    @Override
    public void start(PluginContext context) {
        context.services().register(ServiceKey.json("leaky.echo"), (method, json) -> "{\"method\":\"" + method + "\",\"from\":\""
                + getClass().getClassLoader().getName() + "\",\"ballast\":" + BALLAST.length + "}");
        context.events().subscribe("leaky.in", e -> context.events().publish("leaky.out", Map.of("echo", e.data())));
        context.state().update("thing", Map.of("seen", true));
        context.storage().set("started", "yes");
    }
}
