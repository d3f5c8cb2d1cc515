// markdown-it comes with botframework-webchat, whose renderer it is; the tests render with it what Web Chat would.
declare module 'markdown-it' {
  export default class MarkdownIt {
    constructor(options?: object);
    render(source: string): string;
  }
}
