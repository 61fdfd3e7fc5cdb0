import DetGeometry
import Testing

@Test func boxFormatNamesMatchTorchvision() {
  #expect(BoxFormat.allCases.map(\.rawValue) == ["xyxy", "xywh", "cxcywh"])
}
