package dev.asmmigrate.activities.meshca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The in-place edit of a mesh config's text: a line diff of before and after shows only the alias
 * lines, whatever style the mesh is written in.
 */
class MeshConfigTextTest {
  static final String TD = "sandbox-project.svc.id.goog";

  /** The lines of {@code after} that are not in {@code before}, and that no line was removed. */
  static List<String> addedLines(String before, String after) {
    List<String> a = List.of(before.split("\n", -1));
    List<String> b = List.of(after.split("\n", -1));
    // a line diff by longest common subsequence (the texts are small)
    int[][] lcs = new int[a.size() + 1][b.size() + 1];
    for (int i = a.size() - 1; i >= 0; i--) {
      for (int j = b.size() - 1; j >= 0; j--) {
        lcs[i][j] =
            a.get(i).equals(b.get(j))
                ? lcs[i + 1][j + 1] + 1
                : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    List<String> added = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < a.size() || j < b.size()) {
      if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
        i++;
        j++;
      } else if (j < b.size() && (i == a.size() || lcs[i][j + 1] >= lcs[i + 1][j])) {
        added.add(b.get(j++));
      } else {
        removed.add(a.get(i++));
      }
    }
    assertThat(removed).as("lines removed from\n%s\nin\n%s", before, after).isEmpty();
    return added;
  }

  @Test
  void givenTheAddonsEmptyKeyAmongComments_itShouldAddOneItemLineAndKeepEveryOtherByte() {
    String mesh =
        """
        # The trust domain corresponds to the trust root of a system.
        trustDomain: "cluster.local"
        # The trust domain aliases represent the aliases of trust_domain.
        trustDomainAliases:
        # If true, automatically configure client side mTLS settings
        enableAutoMtls: false
        defaultConfig:
          # TCP connection timeout
          connectTimeout: 10s""";

    String edited = MeshConfigText.withAlias(mesh, TD);

    assertThat(addedLines(mesh, edited)).containsExactly("- " + TD);
    assertThat(edited).contains("trustDomainAliases:\n- " + TD + "\n# If true");
    assertThat(MeshConfigText.withAlias(edited, TD)).as("a second run").isNull();
  }

  @Test
  void givenTheEmptyKeyFollowedByABlankLine_itShouldKeepTheBlankLine() {
    String mesh =
        """
        trustDomain: "cluster.local"

        #  The trust domain aliases represent the aliases of trust_domain.
        trustDomainAliases:

        # Set expected values when SDS is disabled
        sdsUdsPath: ""
        """;

    String edited = MeshConfigText.withAlias(mesh, TD);

    assertThat(edited).contains("trustDomainAliases:\n- " + TD + "\n\n# Set expected");
    assertThat(addedLines(mesh, edited)).containsExactly("- " + TD);
  }

  @Test
  void givenACommentOnTheEmptyKeysLine_itShouldStayOnThatLine() {
    String mesh = "trustDomainAliases:   # none yet\nx: 1\n";

    assertThat(MeshConfigText.withAlias(mesh, TD))
        .isEqualTo("trustDomainAliases:   # none yet\n- " + TD + "\nx: 1\n");
    assertThat(MeshConfigText.withAlias("trustDomainAliases: null # none\n", TD))
        .isEqualTo("trustDomainAliases: [" + TD + "] # none\n");
    assertThat(MeshConfigText.withAlias("{trustDomainAliases: , x: 1}", TD))
        .isEqualTo("{trustDomainAliases: [" + TD + "] , x: 1}");
  }

  @Test
  void givenTheEmptyKeyLast_itShouldAddTheItemAtTheEnd() {
    String mesh = "trustDomain: cluster.local\ntrustDomainAliases:";

    String edited = MeshConfigText.withAlias(mesh, TD);

    assertThat(edited).isEqualTo("trustDomain: cluster.local\ntrustDomainAliases:\n- " + TD);
  }

  @Test
  void givenABlockListIndented_itShouldAddAnItemInItsStyleAfterTheLastOne() {
    String mesh =
        """
        trustDomainAliases:
          -   old.example   # the old one
          # more may follow
        enableAutoMtls: false
        """;

    String edited = MeshConfigText.withAlias(mesh, TD);

    assertThat(addedLines(mesh, edited)).containsExactly("  -   " + TD);
    assertThat(edited).contains("# the old one\n  -   " + TD + "\n  # more may follow");
    assertThat(MeshConfigText.withAlias(edited, "old.example")).isNull();
  }

  @Test
  void givenAFlowList_itShouldExtendItOnItsLine() {
    String mesh = "# aliases\ntrustDomainAliases: [a.example, \"b.example\"] # two\nx: 1\n";

    String edited = MeshConfigText.withAlias(mesh, TD);

    assertThat(edited)
        .isEqualTo(
            "# aliases\ntrustDomainAliases: [a.example, \"b.example\", " + TD + "] # two\nx: 1\n");
    assertThat(MeshConfigText.withAlias("trustDomainAliases: []\n", TD))
        .isEqualTo("trustDomainAliases: [" + TD + "]\n");
  }

  @Test
  void givenNoKey_itShouldAppendItAfterTheLastEntryBeforeTrailingComments() {
    String mesh =
        """
        # mesh
        enableTracing: true

        defaultConfig:
          tracing:
            zipkin:
              address: zipkin:9411
        # the end
        """;

    String edited = MeshConfigText.withAlias(mesh, TD);

    assertThat(addedLines(mesh, edited)).containsExactly("trustDomainAliases:", "- " + TD);
    assertThat(edited)
        .endsWith("address: zipkin:9411\ntrustDomainAliases:\n- " + TD + "\n# the end\n");
    assertThat(MeshConfigText.withAlias("a: 1", TD))
        .isEqualTo("a: 1\ntrustDomainAliases:\n- " + TD);
    assertThat(MeshConfigText.withAlias("", TD)).isEqualTo("trustDomainAliases:\n- " + TD + "\n");
    assertThat(MeshConfigText.withAlias(null, TD)).isEqualTo("trustDomainAliases:\n- " + TD + "\n");
    assertThat(MeshConfigText.withAlias("{a: 1}", TD))
        .isEqualTo("{a: 1, trustDomainAliases: [" + TD + "]}");
  }

  @Test
  void givenAnAliasYamlWouldReadOtherwise_itShouldBeQuoted() {
    assertThat(MeshConfigText.withAlias("trustDomainAliases: []", "true"))
        .isEqualTo("trustDomainAliases: [\"true\"]");
    assertThat(MeshConfigText.withAlias("trustDomainAliases:\n- a", "x # y"))
        .isEqualTo("trustDomainAliases:\n- a\n- \"x # y\"");
  }

  @Test
  void givenWhatCannotBeEditedInPlace_itShouldRefuseWithTheReason() {
    assertThatThrownBy(() -> MeshConfigText.withAlias("- a\n- b\n", TD))
        .isInstanceOf(MeshConfigText.NotEditable.class)
        .hasMessage("mesh is not a YAML mapping");
    assertThatThrownBy(() -> MeshConfigText.withAlias("a: [1\n", TD))
        .isInstanceOf(MeshConfigText.NotEditable.class)
        .hasMessageStartingWith("mesh is not valid YAML");
    assertThatThrownBy(() -> MeshConfigText.withAlias("trustDomainAliases: td\n", TD))
        .isInstanceOf(MeshConfigText.NotEditable.class)
        .hasMessage("trustDomainAliases is not a list");
    assertThatThrownBy(() -> MeshConfigText.withAlias("trustDomainAliases:\n- {a: 1}\n", TD))
        .isInstanceOf(MeshConfigText.NotEditable.class)
        .hasMessage("trustDomainAliases holds something other than strings");
  }
}
