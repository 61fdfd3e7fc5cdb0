import DetGeometry
import DetTestSupport
import Foundation
import Testing

@testable import DetTensorIO

/// Paths and helpers shared by the DetTensorIO tests.
enum Support {
  /// The package root: the nearest folder above this file holding Package.swift.
  static let packageRoot: URL = {
    var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path)
    {
      dir = dir.deletingLastPathComponent()
    }
    return dir
  }()

  /// fixtures/golden/tensorio/
  static let golden = packageRoot.appendingPathComponent("fixtures/golden/tensorio")

  /// A fresh empty directory under the system temporary directory.
  static func temporaryDirectory() throws -> URL {
    let url = TestTemporaryRoot.url
      .appendingPathComponent("detkit-tensorio-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// The golden expectations written by tools/golden_tensorio.py.
  static func expected() throws -> [String: Any] {
    let data = try Data(contentsOf: golden.appendingPathComponent("expected.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  /// A float of expected.json, written by Python's `float.hex` (`"0x1.8000000000000p+0"`,
  /// `"nan"`, `"inf"`, `"-inf"`) so that no decimal conversion stands between the reference's
  /// value and ours.
  static func double(_ value: Any) -> Double? {
    (value as? String).flatMap(Double.init)
  }

  /// The problem `body` throws, or nil if it throws nothing or not a TensorIOError.
  static func problem(_ body: () throws -> Void) -> TensorIOError.Problem? {
    do {
      try body()
      return nil
    } catch let error as TensorIOError {
      return error.problem
    } catch {
      return nil
    }
  }

  /// The seeded generator of the property tests: the project's SplitMix64.
  typealias SeededGenerator = SyntheticBoxes.SplitMix64

  /// One random tensor of `dtype` and `shape`, with values that exercise the type's range.
  static func randomTensor(_ dtype: DType, shape: [Int], using rng: inout SeededGenerator) -> Tensor
  {
    let count = shape.reduce(1, *)
    switch dtype {
    case .float16:
      return Tensor(
        shape: shape,
        float16: (0..<count).map { _ in Float.random(in: -70000...70000, using: &rng) })
    case .bfloat16:
      return Tensor(
        shape: shape, bfloat16: (0..<count).map { _ in Float.random(in: -1e30...1e30, using: &rng) }
      )
    case .float32:
      return Tensor(
        shape: shape,
        float32: (0..<count).map { _ in
          Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &rng))
        })
    case .float64:
      return Tensor(shape: shape, float64: (0..<count).map { _ in Double(bitPattern: rng.next()) })
    case .int32:
      return Tensor(
        shape: shape, int32: (0..<count).map { _ in Int32.random(in: .min ... .max, using: &rng) })
    case .int64:
      return Tensor(
        shape: shape, int64: (0..<count).map { _ in Int64.random(in: .min ... .max, using: &rng) })
    case .uint8:
      return Tensor(
        shape: shape, uint8: (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) })
    case .bool:
      return Tensor(shape: shape, bool: (0..<count).map { _ in Bool.random(using: &rng) })
    }
  }
}
