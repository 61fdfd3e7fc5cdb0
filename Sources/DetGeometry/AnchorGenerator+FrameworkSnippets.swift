extension AnchorGenerator {
  /// A framework whose anchor generator a configuration can be pasted into.
  public enum Framework: String, Hashable, Sendable, CaseIterable {
    /// torchvision's `AnchorGenerator(sizes, aspect_ratios)`.
    case torchvision
    /// detectron2's `MODEL.ANCHOR_GENERATOR` config keys.
    case detectron2
    /// mmdetection's `anchor_generator` dict (`AnchorGenerator`).
    case mmdetection
  }

  /// Python (or YAML-like config) text that builds this configuration's anchors in
  /// `framework`, ready to paste, and whether the framework can express it.
  ///
  /// - torchvision: `AnchorGenerator(sizes=..., aspect_ratios=...)`, sizes as the
  ///   torchvision mode truncates them (`int(size)`); strides come from the backbone's
  ///   feature maps, as the comment lists.
  /// - detectron2: `MODEL.ANCHOR_GENERATOR.SIZES`, `ASPECT_RATIOS` (per level) and
  ///   `OFFSET`.
  /// - mmdetection: `anchor_generator=dict(type='AnchorGenerator', strides, ratios,
  ///   scales, base_sizes, center_offset, scale_major)`. Its generator shares ratios and
  ///   scales across levels (only base sizes are per level), so a configuration whose
  ///   ratios, or whose sizes relative to the level's first size, differ between levels
  ///   cannot be expressed: the text then says so (`expressible` is false) and shows the
  ///   first level's values. When every level's sizes divided by its stride agree, the
  ///   scales are those quotients on mmdetection's default base size (the stride: detkit's
  ///   mmdetection arithmetic); otherwise `base_sizes` are the levels' first sizes and the
  ///   scales relative to them (anchors then equal detkit's up to float rounding).
  ///
  /// A configuration whose ``compatibility`` is another framework's gets a comment: the
  /// framework's own rounding and type order then apply.
  /// - Complexity: O(levels × types).
  public func snippet(for framework: Framework) -> (text: String, expressible: Bool) {
    func number(_ v: Double) -> String {
      v == v.rounded() && abs(v) < 1e15 ? "\(Int(v)).0" : "\(v)"
    }
    func list(_ values: [Double], _ f: (Double) -> String = number) -> String {
      values.map(f).joined(separator: ", ")
    }
    let sizes = levels.indices.map { self.sizes(ofLevel: $0) }
    let ratios = levels.indices.map { aspectRatios(ofLevel: $0) }
    let strides = levels.map(\.stride)
    var lines: [String] = []
    let native: Compatibility =
      switch framework {
      case .torchvision: .torchvision
      case .detectron2: .detectron2
      case .mmdetection: .mmdetection
      }
    if compatibility != native {
      lines.append(
        "# this configuration uses detkit's \(compatibility.configurationName) arithmetic; "
          + "\(framework.rawValue) rounds and orders anchors its own way")
    }
    var expressible = true
    switch framework {
    case .torchvision:
      let tuples = sizes.map { s in
        "(" + s.map { String(Int($0)) }.joined(separator: ", ") + (s.count == 1 ? ",)" : ")")
      }
      let ratioTuples = ratios.map { r in "(" + list(r) + (r.count == 1 ? ",)" : ")") }
      lines += [
        "from torchvision.models.detection.anchor_utils import AnchorGenerator",
        "# feature map strides (from the backbone): \(strides.map(String.init).joined(separator: ", "))",
        "anchor_generator = AnchorGenerator(",
        "    sizes=(\(tuples.joined(separator: ", ")),),",
        "    aspect_ratios=(\(ratioTuples.joined(separator: ", ")),),",
        ")",
      ]
    case .detectron2:
      lines += [
        "# strides of the feature maps: \(strides.map(String.init).joined(separator: ", "))",
        "cfg.MODEL.ANCHOR_GENERATOR.SIZES = [\(sizes.map { "[" + list($0) + "]" }.joined(separator: ", "))]",
        "cfg.MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS = [\(ratios.map { "[" + list($0) + "]" }.joined(separator: ", "))]",
        "cfg.MODEL.ANCHOR_GENERATOR.OFFSET = \(number(centerOffset))",
      ]
    case .mmdetection:
      let bases = sizes.map { $0[0] }
      let relative = sizes.map { s in s.map { $0 / s[0] } }
      let perStride = zip(sizes, strides).map { s, stride in s.map { $0 / Double(stride) } }
      // Scales on base size = stride (mmdetection's default and detkit's arithmetic), or
      // on per-level base sizes.
      let stridesAsBase = perStride.allSatisfy { $0 == perStride[0] }
      if !ratios.allSatisfy({ $0 == ratios[0] }) {
        expressible = false
        lines.append(
          "# NOT EXPRESSIBLE: mmdetection's AnchorGenerator shares ratios across levels; these "
            + "differ per level (refit with --shared-ratios). Showing the first level's.")
      }
      if !stridesAsBase && !relative.allSatisfy({ $0 == relative[0] }) {
        expressible = false
        lines.append(
          "# NOT EXPRESSIBLE: mmdetection's AnchorGenerator shares scales across levels; the "
            + "sizes relative to each level's first differ (refit with --shared-ratios). "
            + "Showing the first level's.")
      }
      if !stridesAsBase && centerOffset != 0 {
        expressible = false
        lines.append(
          "# NOT EXPRESSIBLE: mmdetection centres anchors at center_offset x base size; with "
            + "base sizes other than the strides the centres differ from these.")
      }
      let scales = stridesAsBase ? perStride[0] : relative[0]
      lines += [
        "anchor_generator=dict(",
        "    type='AnchorGenerator',",
        "    strides=[\(strides.map(String.init).joined(separator: ", "))],",
        "    ratios=[\(list(ratios[0]))],",
        "    scales=[\(list(scales))],",
      ]
      if !stridesAsBase { lines.append("    base_sizes=[\(list(bases))],") }
      lines += [
        "    center_offset=\(number(centerOffset)),",
        "    scale_major=\(scaleMajor ? "True" : "False"),",
        ")",
      ]
    }
    return (lines.joined(separator: "\n") + "\n", expressible)
  }
}
