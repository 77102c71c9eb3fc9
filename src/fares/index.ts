export * from './params';
export * from './engine';
