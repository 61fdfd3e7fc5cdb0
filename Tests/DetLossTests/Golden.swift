import Foundation
import Testing

/// Loading the golden files that tools/golden_losses.py writes from torch autograd, and
/// comparing against them.
enum Golden {
  /// One torch run: per-element values, d(sum)/d(prediction), the sum; `nil` entries are
  /// where torch produced NaN / inf.
  struct Run: Decodable {
    var values: [Double?]
    var gradient: [Double?]
    var sum: Double?
  }

  static func load<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    var root = URL(fileURLWithPath: #filePath)
    while !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path)
    {
      root.deleteLastPathComponent()
    }
    let data = try Data(contentsOf: root.appendingPathComponent("fixtures/golden/\(name)"))
    return try JSONDecoder().decode(T.self, from: data)
  }

  /// Expects `actual[i]` within `rtol * |ref| + atol + extraAtol(i)` of torch's float64
  /// result. Entries where the float64 reference is non-finite (torch NaN) must still be
  /// finite in `actual`. The float32 run is quoted in the message for comparison.
  static func expectClose(
    _ actual: [Float], _ reference: Run, _ peer32: Run, gradient: Bool, rtol: Double, atol: Double,
    extraAtol: (Int) -> Double = { _ in 0 },
    _ context: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let ref = gradient ? reference.gradient : reference.values
    let f32 = gradient ? peer32.gradient : peer32.values
    #expect(actual.count == ref.count, "\(context): count", sourceLocation: sourceLocation)
    guard actual.count == ref.count else { return }
    for i in actual.indices {
      let a = Double(actual[i])
      #expect(a.isFinite, "\(context)[\(i)] = \(a) is not finite", sourceLocation: sourceLocation)
      guard let r = ref[i] else { continue }
      let allowed = rtol * abs(r) + atol + extraAtol(i)
      #expect(
        abs(a - r) <= allowed,
        "\(context)[\(i)]: \(a) vs torch float64 \(r) (float32 \(f32[i] as Any))",
        sourceLocation: sourceLocation)
    }
  }
}
