import { Field, Int, ObjectType, type ClassType } from 'type-graphql';

import type { Page } from '../../services/pagination';
import { PageInfo } from './page-info.type';

export interface Edge<TNode> {
  cursor: string;
  node: TNode;
}

/** The members every connection class has; `create` fills them from a service page. */
export interface ConnectionShape<TNode> {
  edges: Edge<TNode>[];
  nodes: TNode[];
  pageInfo: PageInfo;
  totalCount(): Promise<number>;
}

/**
 * Builds the Relay connection and edge types for one node type, such as
 * `IndicatorConnection` and `IndicatorEdge`.
 */
export function connectionOf<TNode extends object>(Node: ClassType<TNode>, name: string, what: string) {
  @ObjectType(`${name}Edge`, { description: `One ${what} in a page, with its cursor.` })
  class EdgeType {
    @Field({ description: 'Opaque cursor of this item; pass it as `after` to continue after it.' })
    cursor: string;

    @Field(() => Node, { description: `The ${what}.` })
    node: TNode;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${what}s.` })
  class ConnectionType implements ConnectionShape<TNode> {
    @Field(() => [EdgeType], { description: 'The items of this page with their cursors.' })
    edges: Edge<TNode>[];

    @Field(() => [Node], { description: 'The items of this page, without cursors.' })
    nodes: TNode[];

    @Field(() => PageInfo, { description: 'Cursors and whether more items follow.' })
    pageInfo: PageInfo;

    count: () => Promise<number>;

    @Field(() => Int, { description: 'Number of items matching the filter across all pages.' })
    totalCount(): Promise<number> {
      return this.count();
    }

    static create<TRow>(page: Page<TRow>, toNode: (row: TRow) => TNode, count?: () => Promise<number>): ConnectionType {
      const connection = new ConnectionType();
      connection.nodes = page.nodes.map(toNode);
      connection.edges = connection.nodes.map((node, i) => ({ node, cursor: page.cursors[i] }));
      connection.pageInfo = {
        hasNextPage: page.hasNextPage,
        hasPreviousPage: page.hasPreviousPage,
        startCursor: page.cursors[0] ?? null,
        endCursor: page.cursors[page.cursors.length - 1] ?? null,
      };
      connection.count = count ?? page.totalCount;
      return connection;
    }
  }

  return ConnectionType;
}
