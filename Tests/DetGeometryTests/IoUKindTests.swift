import DetGeometry
import Testing

@Test func iouKindNamesAndEps() {
  #expect(IoUKind.allCases.map(\.rawValue) == ["iou", "giou", "diou", "ciou"])
  #expect(IoUKind(rawValue: "dice") == nil)
  #expect(IoUKind.eps == Float(1e-7))
}
