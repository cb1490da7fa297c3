package dev.facta.codegen;

import dev.facta.codegen.CodeModel.ClassType;
import dev.facta.codegen.CodeModel.HandlerDecl;
import dev.facta.codegen.CodeModel.Rpc;
import dev.facta.codegen.CodeModel.Unit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The incremental writer on its own: line ends, broken regions, clashing units, and the region merge. */
class GeneratedFilesTest {

    @TempDir
    Path root;

    private static Unit handler(String... methods) {
        List<Rpc> rpcs = java.util.Arrays.stream(methods)
                .map(m -> new Rpc(m, ClassType.of("com.example.Cmd"), null, "")).toList();
        return new Unit("com.example", "CmdHandler", "proto:cmd.proto",
                List.of(new HandlerDecl("CmdHandler", "", "CmdService", rpcs)), null, null, true);
    }

    private GeneratedFiles.Report write(Unit unit) {
        return GeneratedFiles.write(List.of(new GeneratedFiles.Target(root, List.of(unit))), s -> true, false);
    }

    @Test
    void crlf_line_ends_from_a_checkout_are_no_change_and_no_conflict() throws Exception {
        write(handler("run"));
        Path file = root.resolve("com/example/CmdHandler.java");
        Files.writeString(file, Files.readString(file).replace("\n", "\r\n"));
        GeneratedFiles.Report again = write(handler("run"));
        assertThat(again.unchanged()).containsExactly(file);
        assertThat(Files.readString(file)).contains("\r\n");
    }

    @Test
    void broken_region_markers_are_a_conflict() throws Exception {
        write(handler("run"));
        Path file = root.resolve("com/example/CmdHandler.java");
        Files.writeString(file, Files.readString(file).replace("// facta:end run\n", ""));
        assertThatThrownBy(() -> write(handler("run", "stop"))).isInstanceOf(GenerationConflictException.class)
                .hasMessageContaining("its facta regions are broken (region 'run' is never closed)")
                .hasMessageContaining("CmdHandler.java");
    }

    @Test
    void two_units_for_one_file_are_a_name_clash() {
        Unit a = handler("run");
        Unit b = new Unit("com.example", "CmdHandler", "proto:other.proto", a.decls(), null, null, true);
        assertThatThrownBy(() -> GeneratedFiles.write(List.of(new GeneratedFiles.Target(root, List.of(a, b))), s -> true, false))
                .isInstanceOfSatisfying(CodegenException.class, e -> {
                    assertThat(e.kind()).isEqualTo(CodegenException.Kind.NAME_CLASH);
                    assertThat(e.getMessage()).contains("one from proto:cmd.proto, one from proto:other.proto");
                });
        assertThat(root.resolve("com")).doesNotExist();
    }

    @Test
    void merge_puts_kept_bodies_into_the_new_text_and_leaves_other_regions_alone() {
        String text = "a\n  // facta:begin x\n  default x\n  // facta:end x\n  // facta:begin y\n  default y\n  // facta:end y\n";
        String merged = Regions.merge(text, Map.of("x", "  mine\n  more\n"));
        assertThat(merged).isEqualTo("a\n  // facta:begin x\n  mine\n  more\n  // facta:end x\n  // facta:begin y\n  default y\n  // facta:end y\n");
        Regions.Split split = Regions.split(merged);
        assertThat(split.bodies()).containsEntry("x", "  mine\n  more\n").containsEntry("y", "  default y\n");
        assertThat(split.frame()).isEqualTo("a\n  // facta:begin x\n  // facta:end x\n  // facta:begin y\n  // facta:end y\n");
        assertThatThrownBy(() -> Regions.split("// facta:begin x\n// facta:end y\n")).hasMessageContaining("does not close region 'x'");
        assertThatThrownBy(() -> Regions.split("// facta:begin x\n")).hasMessageContaining("region 'x' is never closed");
    }
}
