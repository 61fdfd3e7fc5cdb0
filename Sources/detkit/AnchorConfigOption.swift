import ArgumentParser
import DetGeometry

/// Resolves `--preset` / `--anchor-config FILE` / `--compat` into a generator, the same way
/// for every command that builds anchors.
///
/// - `--preset` and `--anchor-config` are exclusive; with neither, `defaultPreset` is used
///   (or, when it is `nil`, the command has no anchors and this returns `nil`).
/// - The file's `compat` is used unless `--compat` is given; a preset takes `defaultCompat`.
/// - A bad file is a usage error (exit 64) whose message names the file and the JSON path.
func resolveAnchorGenerator(
  preset: PresetOption?, anchorConfig: String?, compat: CompatOption?,
  defaultPreset: PresetOption?, defaultCompat: CompatOption
) throws(ValidationError) -> AnchorGenerator? {
  if let anchorConfig {
    if preset != nil {
      throw ValidationError("--preset and --anchor-config are exclusive; give one")
    }
    var generator: AnchorGenerator
    do {
      generator = try AnchorGenerator(contentsOfConfiguration: anchorConfig)
    } catch {
      throw ValidationError("--anchor-config \(error)")
    }
    if let compat {
      generator.compatibility = compat.compatibility
      if let problem = generator.configurationProblem {
        throw ValidationError(
          "--anchor-config \(anchorConfig) with --compat \(compat.rawValue): \(problem)")
      }
    }
    return generator
  }
  guard let chosen = preset ?? defaultPreset else { return nil }
  return AnchorGenerator(
    preset: chosen.preset, compatibility: (compat ?? defaultCompat).compatibility)
}

/// How a table or summary names the anchors: the preset, or the configuration file.
func anchorSourceName(preset: PresetOption?, anchorConfig: String?, defaultPreset: PresetOption)
  -> String
{
  anchorConfig ?? (preset ?? defaultPreset).rawValue
}
