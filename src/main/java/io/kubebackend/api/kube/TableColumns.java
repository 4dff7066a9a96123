package io.kubebackend.api.kube;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubebackend.cluster.ResourceType;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

/**
 * The columns of a {@code meta.k8s.io/v1} Table for a kind, as {@code kubectl get} prints them against a real
 * cluster: the built-in printers' columns for the common kinds (after kube-apiserver's
 * {@code pkg/printers/internalversion/printers.go}), a CRD's {@code additionalPrinterColumns}, else Name and Age.
 * Columns of priority 1 are what {@code -o wide} adds. Each cell is computed from the object's JSON.
 */
final class TableColumns {
  /** One column: its definition and how to compute its cell from an object at a moment. */
  record Column(String name, String type, String format, String description, int priority,
                BiFunction<JsonNode, Instant, Object> cell) {}

  private TableColumns() {}

  private static Column col(String name, String type, int priority, BiFunction<JsonNode, Instant, Object> cell) {
    return new Column(name, type, name.equals("Name") ? "name" : "", "", priority, cell);
  }

  private static Column text(String name, int priority, BiFunction<JsonNode, Instant, Object> cell) {
    return col(name, "string", priority, cell);
  }

  private static final Column NAME = text("Name", 0, (o, now) -> o.path("metadata").path("name").asText());
  private static final Column AGE = text("Age", 0, (o, now) -> age(o.path("metadata").path("creationTimestamp"), now));

  /**
   * The columns for objects of {@code kind}; {@code printerColumns} is the CRD's additionalPrinterColumns for the
   * served version (an array, or missing), used for kinds that have no built-in printer.
   */
  static List<Column> of(ResourceType kind, JsonNode printerColumns) {
    String key = ResourceType.qualify(kind.group(), kind.resource());
    return switch (key) {
      case "pods" -> List.of(NAME, text("Ready", 0, TableColumns::podReady), text("Status", 0, TableColumns::podStatus),
          text("Restarts", 0, TableColumns::podRestarts), AGE,
          text("IP", 1, (o, now) -> none(o.path("status").path("podIP").asText(""))),
          text("Node", 1, (o, now) -> none(o.path("spec").path("nodeName").asText(""))),
          text("Nominated Node", 1, (o, now) -> none(o.path("status").path("nominatedNodeName").asText(""))),
          text("Readiness Gates", 1, (o, now) -> readinessGates(o)));
      case "deployments.apps" -> List.of(NAME,
          text("Ready", 0, (o, now) -> o.path("status").path("readyReplicas").asLong() + "/"
              + o.path("spec").path("replicas").asLong(1)),
          col("Up-to-date", "integer", 0, (o, now) -> o.path("status").path("updatedReplicas").asLong()),
          col("Available", "integer", 0, (o, now) -> o.path("status").path("availableReplicas").asLong()), AGE,
          text("Containers", 1, (o, now) -> containers(o, "name")), text("Images", 1, (o, now) -> containers(o, "image")),
          text("Selector", 1, (o, now) -> selector(o.path("spec").path("selector").path("matchLabels"))));
      case "replicasets.apps" -> List.of(NAME,
          col("Desired", "integer", 0, (o, now) -> o.path("spec").path("replicas").asLong(1)),
          col("Current", "integer", 0, (o, now) -> o.path("status").path("replicas").asLong()),
          col("Ready", "integer", 0, (o, now) -> o.path("status").path("readyReplicas").asLong()), AGE,
          text("Containers", 1, (o, now) -> containers(o, "name")), text("Images", 1, (o, now) -> containers(o, "image")),
          text("Selector", 1, (o, now) -> selector(o.path("spec").path("selector").path("matchLabels"))));
      case "nodes" -> List.of(NAME, text("Status", 0, TableColumns::nodeStatus), text("Roles", 0, TableColumns::nodeRoles),
          AGE, text("Version", 0, (o, now) -> o.path("status").path("nodeInfo").path("kubeletVersion").asText("")),
          text("Internal-IP", 1, (o, now) -> address(o, "InternalIP")),
          text("External-IP", 1, (o, now) -> address(o, "ExternalIP")),
          text("OS-Image", 1, (o, now) -> o.path("status").path("nodeInfo").path("osImage").asText("<unknown>")),
          text("Kernel-Version", 1, (o, now) -> o.path("status").path("nodeInfo").path("kernelVersion").asText("<unknown>")),
          text("Container-Runtime", 1, (o, now) -> o.path("status").path("nodeInfo").path("containerRuntimeVersion")
              .asText("<unknown>")));
      case "services" -> List.of(NAME, text("Type", 0, (o, now) -> o.path("spec").path("type").asText("ClusterIP")),
          text("Cluster-IP", 0, (o, now) -> none(o.path("spec").path("clusterIP").asText(""))),
          text("External-IP", 0, TableColumns::externalIps), text("Port(s)", 0, TableColumns::ports), AGE,
          text("Selector", 1, (o, now) -> selector(o.path("spec").path("selector"))));
      case "configmaps" -> List.of(NAME, col("Data", "integer", 0, (o, now) -> (long) (o.path("data").size()
          + o.path("binaryData").size())), AGE);
      case "secrets" -> List.of(NAME, text("Type", 0, (o, now) -> o.path("type").asText("")),
          col("Data", "integer", 0, (o, now) -> (long) (o.path("data").size() + o.path("stringData").size())), AGE);
      case "namespaces" -> List.of(NAME, text("Status", 0, (o, now) -> o.path("status").path("phase").asText("")), AGE);
      case "events", "events.events.k8s.io" -> List.of(
          text("Last Seen", 0, (o, now) -> age(lastSeen(o), now)), text("Type", 0, (o, now) -> o.path("type").asText("")),
          text("Reason", 0, (o, now) -> o.path("reason").asText("")),
          text("Object", 0, (o, now) -> involved(o)),
          text("Message", 0, (o, now) -> o.path("message").asText(o.path("note").asText(""))));
      default -> printerColumns != null && printerColumns.isArray() && !printerColumns.isEmpty()
          ? crdColumns(printerColumns) : List.of(NAME, AGE);
    };
  }

  /** A CRD's printer columns after Name, as the apiserver's table convertor builds them. */
  private static List<Column> crdColumns(JsonNode printerColumns) {
    List<Column> out = new ArrayList<>(List.of(NAME));
    for (JsonNode c : printerColumns) {
      String type = c.path("type").asText("string");
      String path = c.path("jsonPath").asText("");
      out.add(new Column(c.path("name").asText(""), type.equals("date") ? "date" : type, c.path("format").asText(""),
          c.path("description").asText(""), c.path("priority").asInt(0), (o, now) -> {
            JsonNode v = SimpleJsonPath.find(o, path);
            if (v == null || v.isMissingNode() || v.isNull()) {
              return type.equals("date") ? "<unknown>" : null;
            }
            if (type.equals("date")) {
              return age(v, now);
            }
            return switch (type) {
              case "integer" -> v.isNumber() ? (Object) v.asLong() : v.asText();
              case "number" -> v.isNumber() ? (Object) v.asDouble() : v.asText();
              case "boolean" -> v.isBoolean() ? (Object) v.asBoolean() : v.asText();
              default -> v.isValueNode() ? v.asText() : v.toString();
            };
          }));
    }
    return out;
  }

  /** A timestamp's age in the apiserver's words; "<unknown>" without one. */
  static String age(JsonNode timestamp, Instant now) {
    if (timestamp == null || !timestamp.isTextual()) {
      return "<unknown>";
    }
    try {
      return HumanDuration.of(Duration.between(Instant.parse(timestamp.asText()), now));
    } catch (DateTimeParseException e) {
      return "<unknown>";
    }
  }

  private static String none(String s) {
    return s.isEmpty() ? "<none>" : s;
  }

  private static Object podReady(JsonNode o, Instant now) {
    int total = o.path("spec").path("containers").size();
    int ready = 0;
    for (JsonNode s : o.path("status").path("containerStatuses")) {
      if (s.path("ready").asBoolean()) {
        ready++;
      }
    }
    return ready + "/" + total;
  }

  /** The pod's status word as kubectl shows it: a container's waiting or terminated reason over the phase. */
  private static Object podStatus(JsonNode o, Instant now) {
    JsonNode status = o.path("status");
    String reason = status.path("reason").asText(status.path("phase").asText("Unknown"));
    int initTotal = o.path("spec").path("initContainers").size();
    int i = 0;
    for (JsonNode s : status.path("initContainerStatuses")) {
      JsonNode state = s.path("state");
      if (state.path("terminated").path("exitCode").asInt(0) == 0 && state.has("terminated")) {
        i++;
        continue;
      }
      if (state.has("terminated")) {
        reason = "Init:" + state.path("terminated").path("reason").asText("Error");
      } else if (state.path("waiting").hasNonNull("reason")
          && !state.path("waiting").path("reason").asText().equals("PodInitializing")) {
        reason = "Init:" + state.path("waiting").path("reason").asText();
      } else {
        reason = "Init:" + i + "/" + initTotal;
      }
      break;
    }
    if (!reason.startsWith("Init:")) {
      for (JsonNode s : status.path("containerStatuses")) {
        JsonNode state = s.path("state");
        if (state.path("waiting").hasNonNull("reason")) {
          reason = state.path("waiting").path("reason").asText();
        } else if (state.path("terminated").hasNonNull("reason")) {
          reason = state.path("terminated").path("reason").asText();
        }
      }
    }
    if (o.path("metadata").hasNonNull("deletionTimestamp")) {
      reason = "Terminating";
    }
    return reason;
  }

  private static Object podRestarts(JsonNode o, Instant now) {
    long restarts = 0;
    String last = null;
    for (JsonNode s : o.path("status").path("containerStatuses")) {
      restarts += s.path("restartCount").asLong();
      JsonNode finished = s.path("lastState").path("terminated").path("finishedAt");
      if (finished.isTextual() && (last == null || finished.asText().compareTo(last) > 0)) {
        last = finished.asText();
      }
    }
    return restarts > 0 && last != null ? restarts + " (" + age(com.fasterxml.jackson.databind.node.TextNode
        .valueOf(last), now) + " ago)" : Long.toString(restarts);
  }

  private static Object readinessGates(JsonNode o) {
    JsonNode gates = o.path("spec").path("readinessGates");
    if (gates.isEmpty()) {
      return "<none>";
    }
    int ready = 0;
    for (JsonNode g : gates) {
      for (JsonNode c : o.path("status").path("conditions")) {
        if (c.path("type").asText().equals(g.path("conditionType").asText()) && c.path("status").asText()
            .equals("True")) {
          ready++;
        }
      }
    }
    return ready + "/" + gates.size();
  }

  private static String containers(JsonNode o, String field) {
    List<String> out = new ArrayList<>();
    o.path("spec").path("template").path("spec").path("containers").forEach(c -> out.add(c.path(field).asText()));
    return String.join(",", out);
  }

  private static String selector(JsonNode labels) {
    if (!labels.isObject() || labels.isEmpty()) {
      return "<none>";
    }
    List<String> out = new ArrayList<>();
    labels.properties().forEach(e -> out.add(e.getKey() + "=" + e.getValue().asText()));
    return String.join(",", out);
  }

  private static Object nodeStatus(JsonNode o, Instant now) {
    String status = "Unknown";
    for (JsonNode c : o.path("status").path("conditions")) {
      if (c.path("type").asText().equals("Ready")) {
        status = c.path("status").asText().equals("True") ? "Ready" : "NotReady";
      }
    }
    return o.path("spec").path("unschedulable").asBoolean() ? status + ",SchedulingDisabled" : status;
  }

  private static Object nodeRoles(JsonNode o, Instant now) {
    List<String> roles = new ArrayList<>();
    o.path("metadata").path("labels").properties().forEach(e -> {
      if (e.getKey().startsWith("node-role.kubernetes.io/")) {
        roles.add(e.getKey().substring("node-role.kubernetes.io/".length()));
      } else if (e.getKey().equals("kubernetes.io/role")) {
        roles.add(e.getValue().asText());
      }
    });
    return roles.isEmpty() ? "<none>" : String.join(",", roles.stream().sorted().distinct().toList());
  }

  private static String address(JsonNode o, String type) {
    for (JsonNode a : o.path("status").path("addresses")) {
      if (a.path("type").asText().equals(type)) {
        return a.path("address").asText();
      }
    }
    return "<none>";
  }

  private static Object externalIps(JsonNode o, Instant now) {
    String type = o.path("spec").path("type").asText("ClusterIP");
    List<String> ips = new ArrayList<>();
    o.path("spec").path("externalIPs").forEach(ip -> ips.add(ip.asText()));
    if (type.equals("LoadBalancer")) {
      o.path("status").path("loadBalancer").path("ingress").forEach(i -> ips.add(i.path("ip").asText(
          i.path("hostname").asText())));
      return ips.isEmpty() ? "<pending>" : String.join(",", ips);
    }
    if (type.equals("ExternalName")) {
      return o.path("spec").path("externalName").asText("<none>");
    }
    return ips.isEmpty() ? "<none>" : String.join(",", ips);
  }

  private static Object ports(JsonNode o, Instant now) {
    List<String> out = new ArrayList<>();
    for (JsonNode p : o.path("spec").path("ports")) {
      String port = p.path("port").asText() + (p.hasNonNull("nodePort") ? ":" + p.path("nodePort").asText() : "")
          + "/" + p.path("protocol").asText("TCP");
      out.add(port);
    }
    return out.isEmpty() ? "<none>" : String.join(",", out);
  }

  private static JsonNode lastSeen(JsonNode o) {
    for (String f : List.of("lastTimestamp", "eventTime", "deprecatedLastTimestamp")) {
      if (o.path(f).isTextual()) {
        return o.path(f);
      }
    }
    return o.path("metadata").path("creationTimestamp");
  }

  private static Object involved(JsonNode o) {
    JsonNode ref = o.has("involvedObject") ? o.path("involvedObject") : o.path("regarding");
    return ref.path("kind").asText("").toLowerCase() + "/" + ref.path("name").asText("");
  }

  /** The definitions of columns, for the Table's {@code columnDefinitions}. */
  static List<java.util.Map<String, Object>> definitions(List<Column> columns) {
    return columns.stream().map(c -> java.util.Map.<String, Object>of("name", c.name(), "type", c.type(),
        "format", c.format(), "description", c.description(), "priority", c.priority()))
        .collect(Collectors.toList());
  }
}
