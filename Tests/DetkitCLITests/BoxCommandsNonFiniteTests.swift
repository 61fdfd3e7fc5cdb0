import Foundation
import Testing

/// `iou`, `encode` and `decode` with one NaN or infinity planted in one input: by default
/// an error (exit 1) naming the file, the argument, the flat index, the box (or anchor) and
/// the coordinate; with `--non-finite propagate` the result is written, and exactly the rows
/// (or row and column of the matrix) computed from the planted value are not finite.
struct BoxCommandsNonFiniteTests {
  /// Three valid boxes, and a variant with `value` at (row, coordinate).
  static let boxes: [Float] = [0, 0, 10, 10, 2, 3, 9, 12, 5, 5, 20, 25]
  static func planted(_ value: Float, row: Int, coordinate: Int) -> [Float] {
    var v = boxes
    v[4 * row + coordinate] = value
    return v
  }

  struct Case: Sendable, CustomTestStringConvertible {
    var command: String
    var option: String  // the argument holding the value, as the error names it
    var row: Int
    var coordinate: Int
    var value: Float
    var axes: (String, String)
    var testDescription: String { "\(command) \(option) \(value)" }
  }

  static let cases = [
    Case(
      command: "iou", option: "A", row: 1, coordinate: 2, value: .nan, axes: ("box", "coordinate")),
    Case(
      command: "iou", option: "B", row: 2, coordinate: 0, value: -.nan, axes: ("box", "coordinate")),
    Case(
      command: "encode", option: "--anchors", row: 0, coordinate: 3, value: -.infinity,
      axes: ("box", "coordinate")),
    Case(
      command: "encode", option: "--boxes", row: 2, coordinate: 1, value: .nan,
      axes: ("box", "coordinate")),
    Case(
      command: "decode", option: "--deltas", row: 1, coordinate: 0, value: .nan,
      axes: ("anchor", "delta")),
  ]

  /// Writes both inputs (the planted one holding the value) and returns the arguments.
  static func arguments(_ c: Case, output: String) throws -> (arguments: [String], file: String) {
    let clean = TinyNPY.temporaryPath("clean")
    let bad = TinyNPY.temporaryPath("planted")
    try TinyNPY.write(boxes, shape: [3, 4], to: clean)
    let plantedValues: [Float]
    if c.command == "decode" {
      var deltas: [Float] = [0.1, -0.2, 0.3, 0, 0, 0, 0, 0, -0.5, 0.25, 0.1, -0.1]
      deltas[4 * c.row + c.coordinate] = c.value
      plantedValues = deltas
    } else {
      plantedValues = planted(c.value, row: c.row, coordinate: c.coordinate)
    }
    try TinyNPY.write(plantedValues, shape: [3, 4], to: bad)
    switch (c.command, c.option) {
    case ("iou", "A"): return (["iou", bad, clean, "--output", output], bad)
    case ("iou", _): return (["iou", clean, bad, "--output", output], bad)
    case ("encode", "--anchors"):
      return (["encode", "--anchors", bad, "--boxes", clean, "--output", output], bad)
    case ("encode", _):
      return (["encode", "--anchors", clean, "--boxes", bad, "--output", output], bad)
    default: return (["decode", "--anchors", clean, "--deltas", bad, "--output", output], bad)
    }
  }

  @Test(arguments: cases)
  func nonFiniteInputIsAnError(_ c: Case) throws {
    let output = TinyNPY.temporaryPath("out")
    let (arguments, file) = try Self.arguments(c, output: output)
    let r = try CLI.run(arguments)
    #expect(r.status == 1, "\(r.stderr)")
    #expect(!FileManager.default.fileExists(atPath: output))
    let flat = 4 * c.row + c.coordinate
    let expected =
      "\(file): \(c.option) [3, 4]: first non-finite value \(c.value) at flat index \(flat) "
      + "(\(c.axes.0) \(c.row), \(c.axes.1) \(c.coordinate))"
    #expect(r.stderr.contains(expected), "\(r.stderr)")
  }

  @Test(arguments: cases)
  func propagatedNonFiniteInputReachesOnlyItsRow(_ c: Case) throws {
    let output = TinyNPY.temporaryPath("out")
    let (arguments, _) = try Self.arguments(c, output: output)
    let r = try CLI.run(arguments + ["--non-finite", "propagate"])
    #expect(r.status == 0, "\(r.stderr)")
    let values = try TinyNPY.read(output).values
    // For iou, the planted box's row (A) or column (B) of the 3 x 3 matrix; otherwise its row.
    let reached: (Int) -> Bool =
      switch (c.command, c.option) {
      case ("iou", "A"): { $0 / 3 == c.row }
      case ("iou", _): { $0 % 3 == c.row }
      default: { $0 / 4 == c.row }
      }
    for (k, v) in values.enumerated() where !reached(k) {
      #expect(v.isFinite, "element \(k) = \(v) does not read the planted value")
    }
    #expect(values.indices.filter(reached).contains { !values[$0].isFinite }, "\(values)")
  }
}
