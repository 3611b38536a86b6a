"""Controllers: Qt objects that own threads and state and wire panels to the layers below."""
